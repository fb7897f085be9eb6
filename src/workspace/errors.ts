/** Why a path was refused: malformed, escaping the folder, or not shared. */
export type PathRejectedReason = 'invalid' | 'outside' | 'ignored';

/** Characters of an offending path quoted in a message, so that a huge path cannot flood logs. */
const MESSAGE_PATH_CHARS = 200;

function quote(value: string): string {
  const shown =
    value.length > MESSAGE_PATH_CHARS ? `${value.slice(0, MESSAGE_PATH_CHARS)}…` : value;
  return JSON.stringify(shown);
}

/**
 * A path from a peer (or from disk) that Tandem refuses to read, list or write. The host turns it
 * into a wire error; it is never a reason to end the session.
 */
export class PathRejectedError extends Error {
  override readonly name = 'PathRejectedError';
  /** The offending value, as it was given. */
  readonly path: string;
  /** Which check refused it. */
  readonly reason: PathRejectedReason;

  /**
   * @param path the offending value
   * @param reason which check refused it
   * @param detail what exactly is wrong, in a few words
   */
  constructor(path: string, reason: PathRejectedReason, detail: string, options?: ErrorOptions) {
    super(`Path ${quote(path)} rejected (${reason}): ${detail}`, options);
    this.path = path;
    this.reason = reason;
  }
}

/**
 * A configured limit was exceeded: a folder too large to scan, an ignore file too big, a host
 * sending more bytes than it announced. The message names the option that raises the limit.
 */
export class WorkspaceLimitError extends Error {
  override readonly name = 'WorkspaceLimitError';
  /** Name of the exported constant whose default was exceeded, such as `MAX_SCAN_ENTRIES`. */
  readonly limit: string;
  /** The limit in force. */
  readonly max: number;

  /**
   * @param limit name of the constant, such as `MAX_SCAN_ENTRIES`
   * @param max the limit in force
   * @param message what happened and what to do next
   */
  constructor(limit: string, max: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.limit = limit;
    this.max = max;
  }
}

/**
 * A mirror was asked to use a folder it must never sync into (the filesystem root or the user's
 * home directory), because pruning there would delete the user's own files.
 */
export class UnsafeMirrorDirError extends Error {
  override readonly name = 'UnsafeMirrorDirError';
  /** The refused folder. */
  readonly dir: string;

  /**
   * @param dir the refused folder
   * @param detail why it is refused
   */
  constructor(dir: string, detail: string, options?: ErrorOptions) {
    super(
      `Refusing to mirror into ${quote(dir)}: ${detail}. Choose an empty or dedicated folder.`,
      options,
    );
    this.dir = dir;
  }
}

/**
 * A mirror was asked to use a folder that holds files of its own and was never a Tandem mirror.
 * Syncing would prune everything the host does not have, that is, the user's own files.
 */
export class MirrorDirNotEmptyError extends Error {
  override readonly name = 'MirrorDirNotEmptyError';
  /** The refused folder. */
  readonly dir: string;

  /** @param dir the refused folder */
  constructor(dir: string, options?: ErrorOptions) {
    super(
      `${quote(dir)} is not empty and is not a Tandem mirror; choose a new or empty folder, ` +
        'or remove its contents.',
      options,
    );
    this.dir = dir;
  }
}

/**
 * The folder a host was asked to share is itself a guest's mirror. Sharing it would send a copy
 * back to where it came from, and a guest mirroring into it would grow it without end.
 */
export class SharedFolderIsMirrorError extends Error {
  override readonly name = 'SharedFolderIsMirrorError';
  /** The refused folder. */
  readonly root: string;

  /** @param root the refused folder */
  constructor(root: string, options?: ErrorOptions) {
    super(
      `${quote(root)} is a Tandem mirror (a guest's copy of another folder); ` +
        'share the original folder instead.',
      options,
    );
    this.root = root;
  }
}
