import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkspaceLimitError } from './errors.js';
import { tempName } from './mirror-names.js';

/** How a file written into a mirror is finished. */
export interface MirrorWriteOptions {
  /** Create the file with execute bits (subject to the umask). */
  executable?: boolean;
  /** Modification time to set, in milliseconds since the epoch; defaults to now. */
  mtimeMs?: number;
  /** fsync before the rename (see `MirrorOptions.durable`); the mirror sets it. */
  durable?: boolean;
}

/** A file being streamed into a mirror; see `Mirror.beginFile`. */
export interface MirrorFileWriter {
  /** The wire path being written. */
  readonly path: string;
  /** Appends bytes; fails (and aborts) past the announced size. Await each call in turn. */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Checks the size, flushes to disk and renames the file into place. Options given here
   * override those given when the file was begun.
   */
  commit(options?: MirrorWriteOptions): Promise<void>;
  /** Discards the temporary file; safe to call more than once or after a failure. */
  abort(): Promise<void>;
}

/** Opens a fresh hidden temporary file in `dir`, refusing to reuse or follow anything there. */
export async function openTemp(
  dir: string,
  executable: boolean,
  active: Set<string>,
): Promise<{ handle: FileHandle; path: string }> {
  const path = join(dir, tempName());
  // 'wx' is O_CREAT|O_EXCL: it fails rather than follow a symlink planted at that name.
  const handle = await open(path, 'wx', executable ? 0o777 : 0o666);
  active.add(path);
  return { handle, path };
}

/** Flushes, stamps and closes a temporary file, then renames it over `target`. */
export async function finishTemp(
  handle: FileHandle,
  tempPath: string,
  target: string,
  options: MirrorWriteOptions,
  active: Set<string>,
): Promise<void> {
  if (options.mtimeMs !== undefined) {
    await handle.utimes(new Date(), new Date(options.mtimeMs));
  }
  if (options.durable) await handle.sync();
  await handle.close();
  await rename(tempPath, target);
  active.delete(tempPath);
}

async function discard(handle: FileHandle, tempPath: string, active: Set<string>): Promise<void> {
  await handle.close().catch(() => undefined);
  await unlink(tempPath).catch(() => undefined);
  active.delete(tempPath);
}

/**
 * Writes `data` to `target` atomically: a temporary file in `dir` (the target's directory), fsync,
 * rename. Readers see the old content or the new, never a mix; on failure the temporary file is
 * removed. `active` holds the temporary files in use, so that pruning leaves them alone.
 */
export async function atomicWrite(
  dir: string,
  target: string,
  data: Uint8Array,
  options: MirrorWriteOptions & { active: Set<string> },
): Promise<void> {
  const { active } = options;
  const { handle, path } = await openTemp(dir, options.executable ?? false, active);
  try {
    await handle.writeFile(data);
    await finishTemp(handle, path, target, options, active);
  } catch (error) {
    await discard(handle, path, active);
    throw error;
  }
}

/** Hooks a {@link StreamingFile} calls back into its mirror. */
export interface StreamingFileHooks {
  /** Re-checks the target just before the rename and returns its absolute path. */
  recheck(): Promise<string>;
  /** Called once when the writer is committed or aborted. */
  done(): void;
  /** The mirror's set of temporary files in use. */
  active: Set<string>;
  /** Turns an error of `commit` into the one to throw (per-file disk errors into named ones). */
  failure?: (error: unknown) => unknown;
}

/** A {@link MirrorFileWriter} writing to a temporary file that `commit` renames into place. */
export class StreamingFile implements MirrorFileWriter {
  readonly path: string;
  readonly #size: number;
  readonly #handle: FileHandle;
  readonly #tempPath: string;
  readonly #options: MirrorWriteOptions;
  readonly #hooks: StreamingFileHooks;
  #written = 0;
  #state: 'open' | 'busy' | 'finished' = 'open';

  constructor(
    path: string,
    size: number,
    temp: { handle: FileHandle; path: string },
    options: MirrorWriteOptions,
    hooks: StreamingFileHooks,
  ) {
    this.path = path;
    this.#size = size;
    this.#handle = temp.handle;
    this.#tempPath = temp.path;
    this.#options = options;
    this.#hooks = hooks;
  }

  /** The temporary file's absolute path, for tests and cleanup. */
  get tempPath(): string {
    return this.#tempPath;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#claim('write');
    try {
      if (this.#written + chunk.byteLength > this.#size) {
        throw new WorkspaceLimitError(
          'size',
          this.#size,
          `The host sent more than the ${this.#size} bytes it announced for ${this.path}.`,
        );
      }
      let offset = 0;
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await this.#handle.write(chunk, offset);
        offset += bytesWritten;
      }
      this.#written += chunk.byteLength;
      this.#state = 'open';
    } catch (error) {
      await this.#discard();
      throw error;
    }
  }

  async commit(options: MirrorWriteOptions = {}): Promise<void> {
    this.#claim('commit');
    try {
      if (this.#written !== this.#size) {
        throw new Error(
          `${this.path}: received ${this.#written} of ${this.#size} bytes; not committing.`,
        );
      }
      const target = await this.#hooks.recheck();
      const finish = { ...this.#options, ...options };
      if (finish.executable !== undefined && finish.executable !== this.#options.executable) {
        // Derive from the mode the umask produced: execute where read is allowed, or none.
        const mode = (await this.#handle.stat()).mode & 0o777;
        await this.#handle.chmod(finish.executable ? mode | ((mode & 0o444) >> 2) : mode & ~0o111);
      }
      await finishTemp(this.#handle, this.#tempPath, target, finish, this.#hooks.active);
      this.#state = 'finished';
      this.#hooks.done();
    } catch (error) {
      await this.#discard();
      throw this.#hooks.failure?.(error) ?? error;
    }
  }

  async abort(): Promise<void> {
    if (this.#state === 'finished') return;
    await this.#discard();
  }

  #claim(operation: string): void {
    if (this.#state === 'finished') throw new Error(`Cannot ${operation} ${this.path}: finished.`);
    if (this.#state === 'busy') {
      throw new Error(`Cannot ${operation} ${this.path}: await the previous call first.`);
    }
    this.#state = 'busy';
  }

  async #discard(): Promise<void> {
    if (this.#state === 'finished') return;
    this.#state = 'finished';
    this.#hooks.done();
    await discard(this.#handle, this.#tempPath, this.#hooks.active);
  }
}
