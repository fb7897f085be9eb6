import type { Stats } from 'node:fs';
import { lstat, mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeEntry, wirePathOf, type WorkspaceEntry } from './entry.js';
import { PathRejectedError } from './errors.js';
import { FileOperationError, fileError, fileErrorFromFs } from './file-ops-error.js';
import { isIgnoreFileName, walkSubtree } from './file-ops-tree.js';
import { createExclusive, replaceAtomically } from './file-ops-write.js';
import { normalizeRelativePath } from './path.js';
import { resolveInside } from './resolve.js';
import type { WorkspaceRules } from './rules.js';

/**
 * Most bytes one create or write may carry. Threat: a guest filling the host's disk or memory
 * with one message; real source files stay far below it.
 */
export const MAX_WRITE_BYTES = 64 * 1024 * 1024;

/**
 * Most entries one recursive delete may visit. Threat: a guest making the host walk (and wipe) a
 * huge tree in one request; the host can still delete it locally.
 */
export const MAX_DELETE_ENTRIES = 100_000;

/**
 * Most entries visited when checking a folder before moving it. Threat: as for
 * {@link MAX_DELETE_ENTRIES}, a rename of a huge folder keeping the host busy.
 */
export const MAX_RENAME_ENTRIES = 100_000;

/** Options for {@link HostFileOps}; each limit defaults to the constant of the same name. */
export interface HostFileOpsOptions {
  /** The host's shared folder (the one `rules` was loaded for). */
  root: string;
  /** What is shared; the same instance the scanner and watcher use. */
  rules: WorkspaceRules;
  /** Defaults to {@link MAX_WRITE_BYTES}. */
  maxWriteBytes?: number;
  /** Defaults to {@link MAX_DELETE_ENTRIES}. */
  maxDeleteEntries?: number;
  /** Defaults to {@link MAX_RENAME_ENTRIES}. */
  maxRenameEntries?: number;
  /** fsync written files before they replace the old ones (default `true`). */
  durable?: boolean;
}

/** Options for {@link HostFileOps.rename}. */
export interface RenameOptions {
  /** Replace an existing file, or an empty folder, at the target (default `false`). */
  overwrite?: boolean;
}

/** Where a path's own directory entry is, without following a symlink in its last segment. */
interface Location {
  /** Absolute path of the entry itself. */
  abs: string;
  /** Its wire path after resolving the symlinks of its parents. */
  rel: string;
}

const EMPTY = new Uint8Array(0);

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

async function lstatOrNull(abs: string): Promise<Stats | null> {
  try {
    return await lstat(abs);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
}

function quote(rel: string): string {
  return JSON.stringify(rel);
}

/**
 * Creates, writes, renames and deletes files in the host's folder on a guest's behalf. Every path
 * goes through {@link resolveInside}, so nothing outside the folder or not shared is touched;
 * ignore files (`.gitignore`, `.tandemignore`) belong to the host and are never changed, so a
 * guest cannot widen what is shared (DESIGN.md, "The workspace"). Role checks are the caller's:
 * see `assertAllowed`.
 *
 * Every failure is a {@link PathRejectedError} (escapes, ignored or malformed paths), a
 * {@link FileOperationError} or, for a bug in the caller, a `TypeError`; never a raw `fs` error,
 * whose message would quote the host's absolute paths.
 *
 * @example
 * const ops = new HostFileOps({ root, rules });
 * await ops.createFile('src/new.ts', new TextEncoder().encode('export {};\n'));
 * await ops.rename('src/new.ts', 'src/old.ts');
 */
export class HostFileOps {
  readonly #root: string;
  readonly #rules: WorkspaceRules;
  readonly #maxWriteBytes: number;
  readonly #maxDeleteEntries: number;
  readonly #maxRenameEntries: number;
  readonly #durable: boolean;

  /** @param options the folder, its rules and the limits */
  constructor(options: HostFileOpsOptions) {
    this.#root = options.root;
    this.#rules = options.rules;
    this.#maxWriteBytes = options.maxWriteBytes ?? MAX_WRITE_BYTES;
    this.#maxDeleteEntries = options.maxDeleteEntries ?? MAX_DELETE_ENTRIES;
    this.#maxRenameEntries = options.maxRenameEntries ?? MAX_RENAME_ENTRIES;
    this.#durable = options.durable ?? true;
  }

  /**
   * Describes a shared file or folder; a symlink is described as what it points to.
   *
   * @throws {PathRejectedError} for a path that escapes the folder or is not shared
   * @throws {FileOperationError} `not-found`, or `unsupported` for a device, FIFO or socket
   */
  async stat(path: string): Promise<WorkspaceEntry> {
    const rel = normalizeRelativePath(path);
    return this.#run(rel, 'read', async () => {
      const abs = await resolveInside(this.#root, rel, this.#rules);
      if ((await lstatOrNull(abs)) === null) throw fileError('not-found', rel, { verb: 'read' });
      const entry = await describeEntry(this.#rules.root, rel, abs, this.#rules);
      if (entry === null) throw fileError('unsupported', rel, { verb: 'read' });
      return entry;
    });
  }

  /**
   * Creates a new file, and any missing parent folders. Fails rather than replace anything.
   *
   * @param content the bytes to write; empty by default
   * @throws {PathRejectedError} for a path that escapes the folder or is not shared
   * @throws {FileOperationError} `exists`, `too-large` or `protected` (an ignore file)
   */
  async createFile(path: string, content: Uint8Array = EMPTY): Promise<void> {
    const rel = this.#checkName(path);
    this.#checkContent(rel, content);
    return this.#run(rel, 'create', async () => {
      const abs = await this.#resolve(rel);
      if ((await lstatOrNull(abs)) !== null) throw fileError('exists', rel, { verb: 'create' });
      await mkdir(dirname(abs), { recursive: true });
      await createExclusive(abs, content, { durable: this.#durable });
    });
  }

  /**
   * Creates a new folder, and any missing parent folders.
   *
   * @throws {PathRejectedError} for a path that escapes the folder or is not shared
   * @throws {FileOperationError} `exists` or `protected` (named like an ignore file)
   */
  async createDirectory(path: string): Promise<void> {
    const rel = this.#checkName(path);
    return this.#run(rel, 'create', async () => {
      const abs = await this.#resolve(rel);
      if ((await lstatOrNull(abs)) !== null) throw fileError('exists', rel, { verb: 'create' });
      await mkdir(dirname(abs), { recursive: true });
      await mkdir(abs);
    });
  }

  /**
   * Replaces an existing file's content atomically: the bytes go to a temporary file in the same
   * folder, which is renamed over the file, so readers see the old content or the new, never a
   * mix. The file's permission bits are kept. Writing through a symlink replaces its target.
   *
   * @throws {PathRejectedError} for a path that escapes the folder or is not shared
   * @throws {FileOperationError} `not-found`, `is-a-directory`, `too-large` or `protected`
   */
  async writeFile(path: string, content: Uint8Array): Promise<void> {
    const rel = this.#checkName(path);
    this.#checkContent(rel, content);
    return this.#run(rel, 'write', async () => {
      const abs = await this.#resolve(rel);
      const info = await stat(abs);
      if (info.isDirectory()) throw fileError('is-a-directory', rel, { verb: 'write' });
      if (!info.isFile()) throw fileError('unsupported', rel, { verb: 'write' });
      await replaceAtomically(abs, content, { info, durable: this.#durable });
    });
  }

  /**
   * Renames or moves a file, folder or symlink (the link itself, not its target), creating
   * missing parent folders of the target. A folder is only moved when everything in it that
   * guests cannot see stays unseen at the new place, and when it holds no ignore file.
   *
   * @param from the existing path
   * @param to the new path
   * @throws {PathRejectedError} when either path escapes the folder or is not shared
   * @throws {FileOperationError} `not-found`, `exists` (unless `overwrite`), `invalid` (a folder
   *   into itself), `protected`, `too-large`, `is-a-directory` or `not-a-directory`
   */
  async rename(from: string, to: string, options: RenameOptions = {}): Promise<void> {
    const fromRel = this.#checkName(from);
    const toRel = this.#checkName(to);
    return this.#run(fromRel, 'rename', async () => {
      const source = await this.#locate(fromRel);
      const info = await lstat(source.abs);
      this.#checkShared(fromRel, source.rel, info.isDirectory());
      const target = await this.#locate(toRel);
      if (target.rel === source.rel) return;
      if (info.isDirectory() && target.rel.startsWith(`${source.rel}/`)) {
        throw new FileOperationError(
          'invalid',
          `Cannot move folder ${quote(fromRel)} into itself (${quote(toRel)}).`,
          { path: fromRel },
        );
      }
      const existing = await lstatOrNull(target.abs);
      // On a case-insensitive disk, `a.ts` → `A.ts` finds the source itself at the target.
      const caseOnly =
        existing !== null &&
        existing.ino === info.ino &&
        existing.dev === info.dev &&
        target.rel.toLowerCase() === source.rel.toLowerCase();
      if (existing !== null && !caseOnly) {
        this.#checkShared(toRel, target.rel, existing.isDirectory());
        this.#checkReplace(toRel, info, existing, options);
      }
      if (info.isDirectory()) await this.#checkMovable(source, target.rel);
      await mkdir(dirname(target.abs), { recursive: true });
      try {
        await rename(source.abs, target.abs);
      } catch (error) {
        const errno = errnoOf(error);
        // Only an overwrite of a folder gets here: it was not empty.
        if (errno === 'EEXIST' || errno === 'ENOTEMPTY') {
          throw fileErrorFromFs(error, { path: toRel, verb: 'replace' });
        }
        throw error;
      }
    });
  }

  /**
   * Deletes a file or symlink (the link itself, never its target), or a folder with everything
   * in it. A folder holding anything guests cannot see, or an ignore file, is left to the host.
   *
   * @throws {PathRejectedError} for a path that escapes the folder or is not shared, and for the
   *   folder itself
   * @throws {FileOperationError} `not-found`, `protected` or `too-large` (past `maxDeleteEntries`)
   */
  async delete(path: string): Promise<void> {
    const rel = this.#checkName(path);
    return this.#run(rel, 'delete', async () => {
      const location = await this.#locate(rel);
      const info = await lstat(location.abs);
      this.#checkShared(rel, location.rel, info.isDirectory());
      if (!info.isDirectory()) {
        await unlink(location.abs);
        return;
      }
      await walkSubtree(
        { abs: location.abs, rel: location.rel, rules: this.#rules },
        (entry) => {
          if (!entry.shared || isIgnoreFileName(entry.name)) {
            throw new FileOperationError(
              'protected',
              `Folder ${quote(rel)} holds files that are not shared or ignore files; ` +
                'only the host can delete it.',
              { path: rel },
            );
          }
        },
        { maxEntries: this.#maxDeleteEntries, limitName: 'MAX_DELETE_ENTRIES', verb: 'delete' },
      );
      // rm removes symlinks inside the folder, never what they point to.
      await rm(location.abs, { recursive: true });
    });
  }

  /** Runs one operation, turning raw filesystem errors into {@link FileOperationError}s. */
  async #run<T>(rel: string, verb: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      if (
        error instanceof PathRejectedError ||
        error instanceof FileOperationError ||
        error instanceof TypeError
      ) {
        throw error;
      }
      throw fileErrorFromFs(error, { path: rel, verb });
    }
  }

  /**
   * Normalizes a guest path and, before anything touches the disk, refuses one naming an ignore
   * file in any segment (a folder called `.gitignore` would stand where the host's file goes).
   */
  #checkName(path: string): string {
    const rel = normalizeRelativePath(path);
    for (let cut = rel.indexOf('/'); cut >= 0; cut = rel.indexOf('/', cut + 1)) {
      this.#refuseIgnoreFile(rel, rel.slice(0, cut));
    }
    this.#refuseIgnoreFile(rel, rel);
    return rel;
  }

  #refuseIgnoreFile(asked: string, rel: string): void {
    if (isIgnoreFileName(rel.slice(rel.lastIndexOf('/') + 1))) {
      throw new FileOperationError(
        'protected',
        `${quote(asked)} names an ignore file; only the host can change what is shared.`,
        { path: asked },
      );
    }
  }

  #checkContent(rel: string, content: Uint8Array): void {
    if (!(content instanceof Uint8Array)) {
      throw new TypeError(`File content for ${quote(rel)} must be a Uint8Array.`);
    }
    if (content.byteLength > this.#maxWriteBytes) {
      throw new FileOperationError(
        'too-large',
        `Writing ${content.byteLength} bytes to ${quote(rel)} is over the ` +
          `${this.#maxWriteBytes}-byte limit; ask the host (limit MAX_WRITE_BYTES).`,
        { path: rel },
      );
    }
  }

  /** The gate, plus: what the path resolves to must not be an ignore file either. */
  async #resolve(rel: string): Promise<string> {
    const abs = await resolveInside(this.#root, rel, this.#rules);
    this.#refuseIgnoreFile(rel, wirePathOf(this.#rules.root, abs) ?? rel);
    return abs;
  }

  /**
   * Checks `rel` through the gate (which also refuses a final symlink leading outside), then
   * returns where its own entry is: the resolved parent joined with the last segment.
   */
  async #locate(rel: string): Promise<Location> {
    await this.#resolve(rel);
    const cut = rel.lastIndexOf('/');
    const parent =
      cut < 0 ? this.#rules.root : await resolveInside(this.#root, rel.slice(0, cut), this.#rules);
    const abs = join(parent, rel.slice(cut + 1));
    const real = wirePathOf(this.#rules.root, abs);
    if (real === null)
      throw new PathRejectedError(rel, 'outside', 'resolves outside the workspace');
    this.#refuseIgnoreFile(rel, real);
    return { abs, rel: real };
  }

  /** The entry's own location (behind symlinked parents) must be shared too. */
  #checkShared(asked: string, real: string, isDir: boolean): void {
    if (!this.#rules.isShared(real, isDir)) {
      throw new PathRejectedError(asked, 'ignored', 'not shared in this workspace');
    }
  }

  #checkReplace(toRel: string, source: Stats, existing: Stats, options: RenameOptions): void {
    if (!options.overwrite) {
      throw new FileOperationError(
        'exists',
        `${quote(toRel)} already exists; choose another name or allow overwriting.`,
        { path: toRel },
      );
    }
    if (existing.isDirectory() && !source.isDirectory()) {
      throw new FileOperationError(
        'is-a-directory',
        `Cannot replace folder ${quote(toRel)} with a file.`,
        { path: toRel },
      );
    }
    if (!existing.isDirectory() && source.isDirectory()) {
      throw new FileOperationError(
        'not-a-directory',
        `Cannot replace file ${quote(toRel)} with a folder.`,
        { path: toRel },
      );
    }
  }

  /**
   * A folder may move only if nothing in it that guests cannot see would become visible at the
   * new place (an anchored `.gitignore` pattern no longer matching), and it holds no ignore file,
   * whose rules would then apply elsewhere.
   */
  async #checkMovable(source: Location, targetRel: string): Promise<void> {
    const refuse = (why: string): never => {
      throw new FileOperationError(
        'protected',
        `Folder ${quote(source.rel)} ${why}; only the host can move it.`,
        { path: source.rel },
      );
    };
    await walkSubtree(
      { abs: source.abs, rel: source.rel, rules: this.#rules },
      (entry) => {
        if (isIgnoreFileName(entry.name)) refuse('holds an ignore file');
        if (entry.shared) return;
        const moved = targetRel + entry.rel.slice(source.rel.length);
        if (this.#rules.isShared(moved, entry.isDir)) refuse('holds files that are not shared');
      },
      { maxEntries: this.#maxRenameEntries, limitName: 'MAX_RENAME_ENTRIES', verb: 'move' },
    );
  }
}
