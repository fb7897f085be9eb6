import { createHash, type Hash } from 'node:crypto';
import type { HostMessage } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/errors.js';
import {
  loadWorkspaceRules,
  MAX_TEXT_FILE_BYTES,
  type Mirror,
  type MirrorFileWriter,
  type WorkspaceRules,
} from '../workspace/index.js';
import { MirrorBases } from './mirror-bases.js';

type ContentMessage = Extract<HostMessage, { t: 'tree' | 'file' | 'remove' | 'synced' }>;

/** What applying one message did, for progress and events. */
export type MirrorUpdate =
  | { type: 'synced'; files: number; bytes: number }
  | { type: 'file' | 'dir' | 'removed'; path: string }
  | { type: 'skipped'; path: string; reason: string }
  | undefined;

/** Options for a {@link MirrorSync}. */
export interface MirrorSyncOptions {
  /**
   * Called for a path whose local change the mirror kept instead of taking the host's content:
   * a change not sent yet (or made while apart), for the write-back to merge and send.
   */
  onKept?: (path: string) => void;
}

/** A file being received: written to a temporary file, or only hashed when the local is kept. */
interface OpenFile {
  path: string;
  writer: MirrorFileWriter | undefined;
  expectedOffset: number;
  hash: Hash;
  /** The chunks so far, for a file small enough to become a base text. */
  chunks: Buffer[] | undefined;
}

/**
 * Applies the host's tree, file and remove messages to the local mirror. Every path goes
 * through the mirror's own gate, so a hostile host cannot write outside the mirror folder.
 * Until `synced`, it collects the paths of the snapshot; at `synced` it removes local files
 * the host does not have, except those the mirror's ignore rules hide.
 *
 * A file changed locally since the mirror last wrote it (a change the write-back has not taken
 * in yet, or one made while the connection was down) is never overwritten: the host's content is
 * only hashed and the path handed to `onKept`, so that the write-back merges the two. After a
 * reconnect, likewise, what was created here while apart is not pruned but handed over, and a
 * file the host removed meanwhile is pruned only if it was not changed here.
 */
export class MirrorSync {
  readonly #mirror: Mirror;
  #snapshotPaths: Set<string> | undefined = new Set();
  #open: OpenFile | undefined;
  /** SHA-256 of what the mirror last wrote for each file the host has, to tell echoes apart. */
  readonly #digests = new Map<string, string>();
  /** The content behind those digests, for text files, as the base of three-way merges. */
  readonly #bases = new MirrorBases();
  /** SHA-256 of the host's content of each file whose local change was kept instead. */
  readonly #theirs = new Map<string, string>();
  readonly #onKept: (path: string) => void;
  /** Whether a snapshot completed, so that a later one follows a time apart. */
  #everSynced = false;
  /** Folders the host has. */
  readonly #hostDirs = new Set<string>();
  /** A file whose remaining chunks are dropped because writing it failed. */
  #skipping: string | undefined;

  constructor(mirror: Mirror, options: MirrorSyncOptions = {}) {
    this.#mirror = mirror;
    this.#onKept = options.onKept ?? (() => undefined);
  }

  /**
   * Applies one message. Throws ProtocolError for a message out of order. A path the mirror
   * cannot or may not write (a name the local file system refuses, a limit, a local symlink in
   * the way) is skipped with an update that says why: one bad file must not end the session.
   */
  async apply(message: ContentMessage, body: Buffer): Promise<MirrorUpdate> {
    const path = 'path' in message ? message.path : undefined;
    if (path !== undefined && message.t === 'file' && this.#skipping === path) {
      if (message.offset !== 0) return undefined;
    }
    this.#skipping = undefined;
    try {
      return await this.#apply(message, body);
    } catch (error) {
      if (error instanceof ProtocolError || path === undefined) throw error;
      await this.#abortOpen();
      if (message.t === 'file' && !message.last) this.#skipping = path;
      return {
        type: 'skipped',
        path,
        reason: error instanceof Error ? error.message : String(error),
      };
    }
  }

  async #apply(message: ContentMessage, body: Buffer): Promise<MirrorUpdate> {
    switch (message.t) {
      case 'tree': {
        let skipped: MirrorUpdate;
        for (const entry of message.entries) {
          this.#snapshotPaths?.add(entry.path);
          if (entry.kind !== 'dir') continue;
          this.#hostDirs.add(entry.path);
          try {
            await this.#mirror.ensureDir(entry.path);
          } catch (error) {
            // One folder the mirror cannot make (a local symlink in its place) is skipped;
            // its files fail the same way, one by one, and the rest of the tree arrives.
            skipped ??= {
              type: 'skipped',
              path: entry.path,
              reason: error instanceof Error ? error.message : String(error),
            };
          }
        }
        if (skipped) return skipped;
        if (this.#snapshotPaths) return undefined;
        const dir = message.entries.find((entry) => entry.kind === 'dir');
        return dir && { type: 'dir', path: dir.path };
      }
      case 'file':
        return this.#applyFile(message, body);
      case 'remove':
        await this.#abortOpen();
        for (const known of [...this.#digests.keys(), ...this.#hostDirs]) {
          if (known === message.path || known.startsWith(`${message.path}/`)) this.forget(known);
        }
        await this.#mirror.remove(message.path);
        return { type: 'removed', path: message.path };
      case 'synced': {
        const keep = this.#snapshotPaths;
        this.#snapshotPaths = undefined;
        if (keep) {
          // What the mirror's own ignore rules hide (the guest's node_modules, its .env) is the
          // guest's, not a stale copy of the host's: pruning leaves it alone.
          const rules = await loadWorkspaceRules(this.#mirror.root);
          const apart = this.#everSynced ? await this.#changedWhileApart(keep, rules) : [];
          const local = new Set(apart);
          await this.#mirror.prune(keep, {
            preserve: (path, kind) => local.has(path) || !rules.isShared(path, kind === 'dir'),
          });
          this.#everSynced = true;
          for (const path of apart) this.#onKept(path);
        }
        return { type: 'synced', files: message.files, bytes: message.bytes };
      }
    }
  }

  /** Whether the host has `path` (as far as this mirror has been told). */
  hostHas(path: string): boolean {
    return this.#digests.has(path) || this.#hostDirs.has(path);
  }

  /** SHA-256 of the content the mirror last wrote or sent for `path`. */
  digestOf(path: string): string | undefined {
    return this.#digests.get(path);
  }

  /** Records content now in the mirror and known to the host (written by us, or sent by us). */
  remember(path: string, content: Uint8Array): void {
    this.#digests.set(path, createHash('sha256').update(content).digest('hex'));
    this.#bases.keep(path, content);
    this.#theirs.delete(path);
  }

  /** What the mirror last wrote or sent for a text file, when still kept (see MirrorBases). */
  baseOf(path: string): Uint8Array | undefined {
    return this.#digests.has(path) ? this.#bases.get(path) : undefined;
  }

  /**
   * Whether the host's content of `path`, kept out of the mirror because of a local change,
   * differs from what the mirror last wrote or sent: the file changed on both sides.
   */
  hostChanged(path: string): boolean {
    const theirs = this.#theirs.get(path);
    return theirs !== undefined && theirs !== this.#digests.get(path);
  }

  /** Forgets a path the host no longer has. */
  forget(path: string): void {
    this.#digests.delete(path);
    this.#hostDirs.delete(path);
    this.#bases.forget(path);
    this.#theirs.delete(path);
  }

  /** Expects a new snapshot (after a reconnect): collects its paths again for pruning. */
  restart(): void {
    this.#snapshotPaths = new Set();
    this.#skipping = undefined;
  }

  /** Drops a half-received file, for when the connection ends mid-transfer. */
  async close(): Promise<void> {
    await this.#abortOpen();
  }

  async #applyFile(
    message: Extract<HostMessage, { t: 'file' }>,
    body: Buffer,
  ): Promise<MirrorUpdate> {
    if (message.offset === 0) {
      await this.#abortOpen();
      this.#snapshotPaths?.add(message.path);
      const recorded = this.#digests.get(message.path);
      const keepLocal =
        recorded !== undefined && (await this.#mirror.digestLocal(message.path)) !== recorded;
      const writer = keepLocal
        ? undefined
        : await this.#mirror.beginFile(message.path, message.size, {
            executable: message.executable,
          });
      const chunks = message.size <= MAX_TEXT_FILE_BYTES && !keepLocal ? [] : undefined;
      const hash = createHash('sha256');
      this.#open = { path: message.path, writer, expectedOffset: 0, hash, chunks };
    }
    const open = this.#open;
    if (!open || open.path !== message.path || open.expectedOffset !== message.offset) {
      throw new ProtocolError(
        `file chunk for ${message.path} arrived out of order`,
        'unexpected_message',
      );
    }
    await open.writer?.write(body);
    open.hash.update(body);
    open.chunks?.push(body);
    open.expectedOffset += body.length;
    if (!message.last) return undefined;
    this.#open = undefined;
    if (!open.writer) {
      this.#theirs.set(message.path, open.hash.digest('hex'));
      this.#onKept(message.path);
      return undefined;
    }
    // Recorded before the rename, so the watcher's echo of this write is recognised.
    this.#digests.set(message.path, open.hash.digest('hex'));
    this.#theirs.delete(message.path);
    if (open.chunks) this.#bases.keep(message.path, Buffer.concat(open.chunks));
    else this.#bases.forget(message.path);
    await open.writer.commit({ executable: message.executable });
    return this.#snapshotPaths ? undefined : { type: 'file', path: message.path };
  }

  async #abortOpen(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    await open?.writer?.abort();
  }

  /**
   * After a reconnect, sorts what the mirror holds beyond the host's new snapshot: a file or
   * folder created here while apart, or a file the host removed but that was changed here, is
   * returned (parents first) to be sent; a file the host removed that nobody changed here is
   * left to pruning. Paths the host no longer has are forgotten either way.
   */
  async #changedWhileApart(snapshot: Set<string>, rules: WorkspaceRules): Promise<string[]> {
    const changed: string[] = [];
    for (const entry of await this.#mirror.listLocal()) {
      if (snapshot.has(entry.path) || this.#hostDirs.has(entry.path)) continue;
      if (!rules.isShared(entry.path, entry.kind === 'dir')) continue;
      const recorded = this.#digests.get(entry.path);
      if (recorded !== undefined) {
        const local = await this.#mirror.digestLocal(entry.path).catch(() => recorded);
        if (local === recorded) continue;
      }
      changed.push(entry.path);
    }
    for (const path of [...this.#digests.keys(), ...this.#hostDirs]) {
      if (!snapshot.has(path)) this.forget(path);
    }
    return changed;
  }
}
