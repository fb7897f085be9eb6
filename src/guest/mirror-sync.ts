import { createHash, type Hash } from 'node:crypto';
import type { HostMessage } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/errors.js';
import { loadWorkspaceRules, type Mirror, type MirrorFileWriter } from '../workspace/index.js';

type ContentMessage = Extract<HostMessage, { t: 'tree' | 'file' | 'remove' | 'synced' }>;

/** What applying one message did, for progress and events. */
export type MirrorUpdate =
  | { type: 'synced'; files: number; bytes: number }
  | { type: 'file' | 'dir' | 'removed'; path: string }
  | { type: 'skipped'; path: string; reason: string }
  | undefined;

/**
 * Applies the host's tree, file and remove messages to the local mirror. Every path goes
 * through the mirror's own gate, so a hostile host cannot write outside the mirror folder.
 * Until `synced`, it collects the paths of the snapshot; at `synced` it removes local files
 * the host does not have, except those the mirror's ignore rules hide.
 */
export class MirrorSync {
  readonly #mirror: Mirror;
  #snapshotPaths: Set<string> | undefined = new Set();
  #open: { path: string; writer: MirrorFileWriter; expectedOffset: number; hash: Hash } | undefined;
  /** SHA-256 of what the mirror last wrote for each file the host has, to tell echoes apart. */
  readonly #digests = new Map<string, string>();
  /** Folders the host has. */
  readonly #hostDirs = new Set<string>();
  /** A file whose remaining chunks are dropped because writing it failed. */
  #skipping: string | undefined;

  constructor(mirror: Mirror) {
    this.#mirror = mirror;
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
          await this.#mirror.prune(keep, {
            preserve: (path, kind) => !rules.isShared(path, kind === 'dir'),
          });
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
  }

  /** Forgets a path the host no longer has. */
  forget(path: string): void {
    this.#digests.delete(path);
    this.#hostDirs.delete(path);
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
      const writer = await this.#mirror.beginFile(message.path, message.size);
      this.#open = { path: message.path, writer, expectedOffset: 0, hash: createHash('sha256') };
    }
    const open = this.#open;
    if (!open || open.path !== message.path || open.expectedOffset !== message.offset) {
      throw new ProtocolError(
        `file chunk for ${message.path} arrived out of order`,
        'unexpected_message',
      );
    }
    await open.writer.write(body);
    open.hash.update(body);
    open.expectedOffset += body.length;
    if (!message.last) return undefined;
    this.#open = undefined;
    // Recorded before the rename, so the watcher's echo of this write is recognised.
    this.#digests.set(message.path, open.hash.digest('hex'));
    await open.writer.commit({ executable: message.executable });
    return this.#snapshotPaths ? undefined : { type: 'file', path: message.path };
  }

  async #abortOpen(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    await open?.writer.abort();
  }
}
