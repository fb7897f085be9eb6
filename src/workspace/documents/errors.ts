import type { NotTextReason } from './text-codec.js';

/** Why a file cannot be opened as a shared text document. */
export type NotATextFileReason = NotTextReason | 'too-large' | 'not-a-file';

/** Why an open document stopped following its file; see `DocumentStoreOptions.onDocumentGone`. */
export type DocumentGoneReason = NotATextFileReason | 'deleted' | 'rejected';

const ADVICE: Record<NotATextFileReason, string> = {
  binary:
    'it holds binary data (a NUL byte); it is shared and mirrored as it is, but cannot be co-edited',
  'invalid-utf8': 'it is not valid UTF-8; convert it to UTF-8 to co-edit it',
  'too-large': 'it is larger than the limit for shared text files; open it in a local editor',
  'not-a-file': 'it is not a regular file',
};

/**
 * A file that cannot be opened as a shared text document. The host reports it to the peer that
 * asked; the file tree still shows the file.
 */
export class NotATextFileError extends Error {
  override readonly name = 'NotATextFileError';
  /** The workspace-relative path asked for. */
  readonly path: string;
  /** What makes it unsuitable. */
  readonly reason: NotATextFileReason;

  /**
   * @param path the workspace-relative path
   * @param reason what makes it unsuitable
   */
  constructor(path: string, reason: NotATextFileReason, options?: ErrorOptions) {
    super(
      `${JSON.stringify(path)} cannot be opened as a shared text file: ${ADVICE[reason]}.`,
      options,
    );
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Edits that could not be written to disk. They are kept in memory and retried with backoff;
 * the message says which files, and `cause` holds the first underlying error.
 */
export class DocumentSaveError extends Error {
  override readonly name = 'DocumentSaveError';
  /** The workspace-relative paths whose edits are not on disk yet. */
  readonly paths: readonly string[];

  /**
   * @param paths the files that could not be saved
   * @param cause the first underlying error
   */
  constructor(paths: readonly string[], cause: unknown) {
    const shown = paths.slice(0, 5).map((p) => JSON.stringify(p));
    const more = paths.length > shown.length ? ` and ${paths.length - shown.length} more` : '';
    super(
      `Could not save ${shown.join(', ')}${more}: ${String((cause as Error)?.message ?? cause)}. ` +
        'The edits are kept in memory and saving is retried; free disk space or fix permissions.',
      { cause },
    );
    this.paths = paths;
  }
}
