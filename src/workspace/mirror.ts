import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rmdir, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { isInside } from './entry.js';
import { PathRejectedError, UnsafeMirrorDirError, WorkspaceLimitError } from './errors.js';
import { errorCode, forFile, ignoreCodes, perFileError } from './mirror-failures.js';
import { claimMirrorDir, isMirrorMarkerName } from './mirror-marker.js';
import {
  isGitName,
  isMirrorOwnName,
  isMirrorStateName,
  isMirrorTempPath,
  windowsNameProblem,
} from './mirror-names.js';
import {
  atomicWrite,
  openTemp,
  StreamingFile,
  type MirrorFileWriter,
  type MirrorWriteOptions,
} from './mirror-writer.js';
import { normalizeRelativePath } from './path.js';
import { MAX_SCAN_ENTRIES } from './scan.js';

/**
 * Largest file a host may write into a mirror, in bytes. Threat: a malicious host filling the
 * guest's disk with one endless file.
 */
export const MAX_MIRROR_FILE_BYTES = 1024 * 1024 * 1024;

/**
 * Most streamed files open at once. Threat: a host starting streams it never finishes, exhausting
 * the guest's file descriptors.
 */
export const MAX_OPEN_FILE_WRITERS = 64;

/** Options for {@link openMirror}. */
export interface MirrorOptions {
  /** Defaults to {@link MAX_MIRROR_FILE_BYTES}. */
  maxFileBytes?: number;
  /** Defaults to {@link MAX_OPEN_FILE_WRITERS}. */
  maxOpenWriters?: number;
  /** Most local entries listed (and so pruned) at once; defaults to `MAX_SCAN_ENTRIES`. */
  maxEntries?: number;
  /** Refuse names Windows mishandles (`CON`, `a:b`, `x.`); defaults to `true` on Windows. */
  windowsNames?: boolean;
  /** The home directory never to mirror into; defaults to `os.homedir()`. */
  homeDir?: string;
  /**
   * fsync each file before renaming it into place. Off by default: a mirror is a copy that the
   * next sync restores, and an fsync per file makes a large first sync many times slower. The
   * rename stays atomic either way.
   */
  durable?: boolean;
}

/** One local file or directory of a mirror, as {@link Mirror.listLocal} returns it. */
export interface LocalEntry {
  /** POSIX path relative to the mirror root. */
  path: string;
  /** `file` stands for anything that is not a directory, symlinks included (never followed). */
  kind: 'file' | 'dir';
}

/** Options for {@link Mirror.prune}. */
export interface PruneOptions {
  /** Keeps a local path and everything under it, such as what the guest's own ignore rules hide. */
  preserve?: (path: string, kind: 'file' | 'dir') => boolean;
  /**
   * Called for each file (or symlink) about to be removed, before it is; it may move the file
   * away itself (see {@link Mirror.moveAside}), to keep the user's work.
   */
  beforeRemove?: (path: string) => Promise<void>;
}

interface Target {
  rel: string;
  abs: string;
  /** lstat of the target itself, or `null` when it does not exist yet. */
  info: Stats | null;
}

function samePath(a: string, b: string): boolean {
  return a === b || (process.platform !== 'linux' && a.toLowerCase() === b.toLowerCase());
}

function refuseUnsafe(dir: string, home: string): void {
  if (parse(dir).root === dir) throw new UnsafeMirrorDirError(dir, 'it is the filesystem root');
  if (samePath(dir, home)) throw new UnsafeMirrorDirError(dir, 'it is your home directory');
  if (isInside(dir, home)) throw new UnsafeMirrorDirError(dir, 'it contains your home directory');
}

/**
 * The guest's local copy of the shared folder. The host is not trusted: every path is normalized,
 * must stay inside the mirror's resolved root, may not go through any symlink (checked with
 * lstat on each existing component) and may not touch `.git` or the mirror's marker file.
 * Writes are atomic. Local processes of the guest racing the mirror are out of scope.
 *
 * A failure that concerns one file (a refused path, a limit, something else in its way) is a
 * {@link PathRejectedError} or {@link WorkspaceLimitError}: skip that file and go on. Any other
 * error (a full or read-only disk) concerns the whole mirror.
 */
export class Mirror {
  /** The mirror folder, resolved with `realpath`. */
  readonly root: string;
  readonly #options: MirrorOptions;
  readonly #windowsNames: boolean;
  readonly #activeTemps = new Set<string>();
  readonly #writers = new Set<MirrorFileWriter>();
  /** Relative paths of folders known to be real directories inside the mirror. */
  readonly #verifiedDirs = new Set<string>();
  #openWriters = 0;

  private constructor(root: string, options: MirrorOptions) {
    this.root = root;
    this.#options = options;
    this.#windowsNames = options.windowsNames ?? process.platform === 'win32';
  }

  /** Opens (creating if needed) a mirror folder. Prefer {@link openMirror}. */
  static async open(dir: string, options: MirrorOptions = {}): Promise<Mirror> {
    const abs = resolve(dir);
    const home = resolve(options.homeDir ?? homedir());
    refuseUnsafe(abs, home);
    await mkdir(abs, { recursive: true });
    const real = await realpath(abs);
    refuseUnsafe(real, await realpath(home).catch(() => home));
    await claimMirrorDir(real);
    return new Mirror(real, options);
  }

  /** Checks a host-supplied path and looks at what is there now. */
  async #target(relPath: string, allowFinalSymlink = false): Promise<Target> {
    const rel = normalizeRelativePath(relPath);
    const segments = rel.split('/');
    for (const segment of segments) {
      if (isGitName(segment)) {
        throw new PathRejectedError(relPath, 'ignored', 'a mirror never writes inside .git');
      }
      if (isMirrorMarkerName(segment) || isMirrorOwnName(segment)) {
        throw new PathRejectedError(relPath, 'ignored', "a mirror's own files are not shared");
      }
      const problem = this.#windowsNames ? windowsNameProblem(segment) : null;
      if (problem !== null) throw new PathRejectedError(relPath, 'invalid', `a name ${problem}`);
    }
    const abs = join(this.root, ...segments);
    if (!isInside(this.root, abs)) {
      throw new PathRejectedError(relPath, 'outside', 'resolves outside the mirror');
    }
    let current = this.root;
    let info: Stats | null = null;
    for (const [index, segment] of segments.entries()) {
      current = join(current, segment);
      const last = index === segments.length - 1;
      // Folders this mirror has already checked (or made) need no second lstat: the host has
      // no way to turn one into a symlink, since the mirror never creates symlinks.
      if (!last && this.#verifiedDirs.has(segments.slice(0, index + 1).join('/'))) continue;
      try {
        info = await lstat(current);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw perFileError(relPath, error);
        info = null;
        break;
      }
      if (info.isSymbolicLink() && !(last && allowFinalSymlink)) {
        throw new PathRejectedError(relPath, 'outside', 'goes through a symlink in the mirror');
      }
      if (!last && !info.isDirectory()) {
        const parent = segments.slice(0, index + 1).join('/');
        throw new PathRejectedError(relPath, 'invalid', `${parent} is not a directory`);
      }
      if (!last) this.#verifiedDirs.add(segments.slice(0, index + 1).join('/'));
    }
    return { rel, abs, info };
  }

  async #prepareFile(relPath: string, size: number): Promise<Target> {
    const maxBytes = this.#options.maxFileBytes ?? MAX_MIRROR_FILE_BYTES;
    if (size > maxBytes) {
      throw new WorkspaceLimitError(
        'MAX_MIRROR_FILE_BYTES',
        maxBytes,
        `${relPath} is ${size} bytes, over the mirror's ${maxBytes}-byte limit (maxFileBytes).`,
      );
    }
    const target = await this.#target(relPath);
    if (target.info?.isDirectory()) {
      throw new PathRejectedError(relPath, 'invalid', 'is a directory in the mirror');
    }
    const parent = target.rel.includes('/') ? target.rel.slice(0, target.rel.lastIndexOf('/')) : '';
    if (parent !== '' && !this.#verifiedDirs.has(parent)) {
      await forFile(relPath, () => mkdir(dirname(target.abs), { recursive: true }));
    }
    return target;
  }

  /**
   * Creates a directory and any missing parents.
   * @throws {PathRejectedError} for a path the host may not write
   */
  async ensureDir(relPath: string): Promise<void> {
    const target = await this.#target(relPath);
    if (target.info?.isDirectory()) return;
    if (target.info !== null) {
      throw new PathRejectedError(
        relPath,
        'invalid',
        'exists in the mirror and is not a directory',
      );
    }
    await forFile(relPath, () => mkdir(target.abs, { recursive: true }));
  }

  /**
   * Writes a whole file atomically (hidden temporary file in the same directory, fsync, rename),
   * creating parent directories. On failure the old content stays and no temporary file remains.
   * @throws {PathRejectedError} for a path the host may not write
   * @throws {WorkspaceLimitError} for data over `maxFileBytes`
   */
  async writeFile(
    relPath: string,
    data: Uint8Array,
    options: MirrorWriteOptions = {},
  ): Promise<void> {
    const target = await this.#prepareFile(relPath, data.byteLength);
    await forFile(relPath, () =>
      atomicWrite(dirname(target.abs), target.abs, data, {
        durable: this.#options.durable ?? false,
        ...options,
        active: this.#activeTemps,
      }),
    );
  }

  /**
   * Starts streaming a file of `size` bytes; nothing is visible at `relPath` until `commit`.
   * @throws {RangeError} for a size that is not a non-negative integer
   * @throws {WorkspaceLimitError} for a size over `maxFileBytes` or too many open writers
   * @example
   * const file = await mirror.beginFile('big.bin', size);
   * for await (const chunk of chunks) await file.write(chunk);
   * await file.commit();
   */
  async beginFile(
    relPath: string,
    size: number,
    options: MirrorWriteOptions = {},
  ): Promise<MirrorFileWriter> {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`size must be a non-negative integer, got ${size}`);
    }
    const maxWriters = this.#options.maxOpenWriters ?? MAX_OPEN_FILE_WRITERS;
    if (this.#openWriters >= maxWriters) {
      throw new WorkspaceLimitError(
        'MAX_OPEN_FILE_WRITERS',
        maxWriters,
        `${maxWriters} files are already being streamed; finish or abort one first.`,
      );
    }
    this.#openWriters++;
    let writer: StreamingFile;
    try {
      const target = await this.#prepareFile(relPath, size);
      const temp = await forFile(relPath, () =>
        openTemp(dirname(target.abs), options.executable ?? false, this.#activeTemps),
      );
      const finish = { durable: this.#options.durable ?? false, ...options };
      writer = new StreamingFile(target.rel, size, temp, finish, {
        recheck: async () => (await this.#prepareFile(relPath, size)).abs,
        done: () => {
          this.#openWriters--;
          this.#writers.delete(writer);
        },
        active: this.#activeTemps,
        failure: (error) => perFileError(relPath, error),
      });
    } catch (error) {
      this.#openWriters--;
      throw error;
    }
    this.#writers.add(writer);
    return writer;
  }

  /**
   * SHA-256 (hex) of a local file's content, to tell whether it still holds what the mirror
   * wrote; `undefined` when nothing is there. Reads through the same checks as a write.
   * @throws {PathRejectedError} for a path the host may not write, or a directory or symlink
   */
  async digestLocal(relPath: string): Promise<string | undefined> {
    const target = await this.#target(relPath);
    if (target.info === null) return undefined;
    if (!target.info.isFile()) {
      throw new PathRejectedError(relPath, 'invalid', 'is not a regular file in the mirror');
    }
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(target.abs)) hash.update(chunk as Buffer);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw perFileError(relPath, error);
    }
    return hash.digest('hex');
  }

  /**
   * Removes a file, symlink (the link, never its target) or directory tree. Missing paths are
   * fine. Nested `.git` directories are left in place.
   * @throws {PathRejectedError} for a path the host may not write
   */
  async remove(relPath: string): Promise<void> {
    const target = await this.#target(relPath, true);
    if (target.info === null) return;
    await forFile(relPath, async () => {
      if (!target.info?.isDirectory()) {
        await unlink(target.abs).catch(ignoreCodes('ENOENT'));
        return;
      }
      const entries = await this.#walk(target.abs, target.rel);
      for (const entry of entries.reverse()) await this.#removeEntry(entry);
      await this.#removeEntry({ path: target.rel, kind: 'dir' });
    });
  }

  /**
   * Lists the mirror's local files and directories, parents first, without following symlinks.
   * `.git`, the marker file, the state folder and temporary files being written are left out;
   * temporary files left behind by an earlier run are listed, for pruning.
   * @throws {WorkspaceLimitError} past `maxEntries`
   */
  listLocal(): Promise<LocalEntry[]> {
    return this.#walk(this.root, '');
  }

  /**
   * Removes every local path that is not in `keep` (the host's paths after a full sync) nor an
   * ancestor of one. `.git`, the marker file, the state folder, temporary files being written
   * and what `preserve` selects stay; a directory still holding any of those stays too. A
   * temporary file left behind by an earlier run goes, whatever `preserve` says.
   * @returns the removed paths
   */
  async prune(keep: Set<string>, options: PruneOptions = {}): Promise<string[]> {
    const kept = new Set<string>();
    for (const path of keep) {
      const segments = path.split('/');
      for (let i = 1; i <= segments.length; i++) kept.add(segments.slice(0, i).join('/'));
    }
    const doomed: LocalEntry[] = [];
    // Entries come parents first, so a preserved directory's contents follow it in one run.
    let preserved: string | null = null;
    for (const entry of await this.listLocal()) {
      if (kept.has(entry.path)) continue;
      if (preserved !== null && entry.path.startsWith(`${preserved}/`)) continue;
      const stale = isMirrorTempPath(entry.path);
      if (!stale && options.preserve?.(entry.path, entry.kind)) {
        preserved = entry.path;
        continue;
      }
      doomed.push(entry);
    }
    const removed: string[] = [];
    for (const entry of doomed.reverse()) {
      const stale = isMirrorTempPath(entry.path);
      if (entry.kind === 'file' && !stale) await options.beforeRemove?.(entry.path);
      if (await this.#removeEntry(entry)) removed.push(entry.path);
    }
    return removed.reverse();
  }

  /**
   * Moves a local file, symlink (the link itself) or folder out of the mirror to `destination`
   * (an absolute path outside the shared tree, such as the state folder's backups), creating
   * its parent folders. Used to keep the user's work instead of overwriting or removing it.
   * @returns whether something was there to move
   * @throws {PathRejectedError} for a path the host may not write
   */
  async moveAside(relPath: string, destination: string): Promise<boolean> {
    const target = await this.#target(relPath, true);
    if (target.info === null) return false;
    await mkdir(dirname(destination), { recursive: true });
    try {
      await rename(target.abs, destination);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
    if (target.info.isDirectory()) this.#verifiedDirs.clear();
    return true;
  }

  /** Aborts every file still being streamed, removing their temporary files. */
  async close(): Promise<void> {
    await Promise.all([...this.#writers].map((writer) => writer.abort()));
  }

  /** Removes one entry found by {@link #walk}; `false` when it was gone or not empty. */
  async #removeEntry(entry: LocalEntry): Promise<boolean> {
    const abs = join(this.root, ...entry.path.split('/'));
    try {
      if (entry.kind === 'dir') {
        this.#verifiedDirs.clear();
        await rmdir(abs);
      } else await unlink(abs);
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw error;
    }
  }

  async #walk(startAbs: string, startRel: string): Promise<LocalEntry[]> {
    const maxEntries = this.#options.maxEntries ?? MAX_SCAN_ENTRIES;
    const result: LocalEntry[] = [];
    const visit = async (abs: string, rel: string): Promise<void> => {
      let dirents;
      try {
        dirents = await readdir(abs, { withFileTypes: true });
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return;
        throw error;
      }
      dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const dirent of dirents) {
        const childAbs = join(abs, dirent.name);
        if (isGitName(dirent.name) || isMirrorMarkerName(dirent.name)) continue;
        if (isMirrorStateName(dirent.name)) continue;
        if (this.#activeTemps.has(childAbs)) continue;
        if (result.length >= maxEntries) {
          throw new WorkspaceLimitError(
            'MAX_SCAN_ENTRIES',
            maxEntries,
            `The mirror holds more than ${maxEntries} entries; raise maxEntries to prune it.`,
          );
        }
        const path = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
        const kind = dirent.isDirectory() ? 'dir' : 'file';
        result.push({ path, kind });
        if (kind === 'dir') await visit(childAbs, path);
      }
    };
    await visit(startAbs, startRel);
    return result;
  }
}

/**
 * Opens the guest's mirror folder, creating it if needed, and marks it as a mirror with
 * `MIRROR_MARKER_FILE`. Syncing prunes whatever the host does not have, so only a new or empty
 * folder, or one that is already a mirror, is accepted; never the filesystem root, the home
 * directory or a folder containing it.
 *
 * @param dir the local folder to mirror into
 * @throws {UnsafeMirrorDirError} for the filesystem root, the home directory or an ancestor of it
 * @throws {MirrorDirNotEmptyError} for a folder with files of its own that is not a mirror
 * @example
 * const mirror = await openMirror('./pairing');
 * await mirror.writeFile('src/a.ts', bytes, { mtimeMs });
 */
export function openMirror(dir: string, options: MirrorOptions = {}): Promise<Mirror> {
  return Mirror.open(dir, options);
}
