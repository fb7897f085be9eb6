/**
 * Why a file operation asked by a guest could not be done on the host's folder.
 *
 * - `exists`: the target is already there
 * - `not-found`: the path (or the folder it should be in) does not exist
 * - `not-a-directory`: a folder was needed where there is a file
 * - `is-a-directory`: a file was needed where there is a folder
 * - `too-large`: over a limit (bytes in one write, entries in one delete or rename)
 * - `protected`: only the host may do it (ignore files, folders holding what guests cannot see)
 * - `invalid`: the operation makes no sense, such as moving a folder into itself
 * - `unsupported`: the path is a device, FIFO or socket
 * - `failed`: the host's disk refused (permissions, disk full); the `cause` says why
 */
export type FileOperationCode =
  | 'exists'
  | 'not-found'
  | 'not-a-directory'
  | 'is-a-directory'
  | 'too-large'
  | 'protected'
  | 'invalid'
  | 'unsupported'
  | 'failed';

/** Options for {@link FileOperationError}. */
export interface FileOperationErrorOptions extends ErrorOptions {
  /** The wire path the operation was about, such as `'src/a.ts'`. */
  path: string;
}

/**
 * A file operation on the host's folder failed for a reason the guest can act on. Messages quote
 * only wire paths, never the host's absolute paths; the raw filesystem error, if any, is the
 * `cause`, for the host's own log.
 */
export class FileOperationError extends Error {
  override readonly name = 'FileOperationError';
  /** What went wrong, for programs. */
  readonly code: FileOperationCode;
  /** The wire path the operation was about. */
  readonly path: string;

  /**
   * @param code what went wrong
   * @param message what happened and what to do next, quoting only wire paths
   */
  constructor(code: FileOperationCode, message: string, options: FileOperationErrorOptions) {
    super(message, options);
    this.code = code;
    this.path = options.path;
  }
}

const ERRNO_CODES: Readonly<Record<string, FileOperationCode>> = {
  ENOENT: 'not-found',
  EEXIST: 'exists',
  ENOTEMPTY: 'exists',
  ENOTDIR: 'not-a-directory',
  EISDIR: 'is-a-directory',
};

/**
 * The {@link FileOperationError} with the usual message for `code` about the wire path `rel`;
 * `verb` completes "Could not … it".
 */
export function fileError(
  code: FileOperationCode,
  rel: string,
  options: { verb: string; cause?: unknown },
): FileOperationError {
  const shown = JSON.stringify(rel);
  const messages: Partial<Record<FileOperationCode, string>> = {
    'not-found': `${shown} does not exist (any more); refresh the file tree.`,
    exists: `${shown} already exists; choose another name.`,
    'not-a-directory': `Could not ${options.verb} ${shown}: a file is where a folder is needed.`,
    'is-a-directory': `Could not ${options.verb} ${shown}: it is a folder, not a file.`,
    unsupported: `Could not ${options.verb} ${shown}: it is not a regular file or folder.`,
  };
  const errno = (options.cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  const message =
    messages[code] ??
    `Could not ${options.verb} ${shown} on the host (${errno}); ask the host to check the folder.`;
  return new FileOperationError(code, message, { path: rel, cause: options.cause });
}

/**
 * Turns a raw filesystem error (which quotes the host's absolute paths) into a
 * {@link FileOperationError} about the wire path `about.path`; `about.verb` completes
 * "Could not … it".
 */
export function fileErrorFromFs(
  error: unknown,
  about: { path: string; verb: string },
): FileOperationError {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const code = (errno !== undefined ? ERRNO_CODES[errno] : undefined) ?? 'failed';
  return fileError(code, about.path, { verb: about.verb, cause: error });
}
