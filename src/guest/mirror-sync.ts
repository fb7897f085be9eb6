import { createHash, type Hash } from 'node:crypto';
import { join } from 'node:path';
import type { HostMessage } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/errors.js';
import {
  loadWorkspaceRules,
  MAX_TEXT_FILE_BYTES,
  type Mirror,
  type MirrorFileWriter,
  type WorkspaceRules,
} from '../workspace/index.js';
import { isMirrorTempPath, MIRROR_STATE_DIR } from '../workspace/mirror-names.js';
import {
  backupDestination,
  MIRROR_BACKUP_DIR,
  readMirrorState,
  type MirrorStateData,
} from '../workspace/mirror-state.js';
import { MirrorBases } from './mirror-bases.js';
import { hashSession, MirrorStateSaver } from './mirror-state-saver.js';

type ContentMessage = Extract<HostMessage, { t: 'tree' | 'file' | 'remove' | 'synced' }>;

/** What applying one message did, for progress and events. */
export type MirrorUpdate =
  | { type: 'synced'; files: number; bytes: number }
  | { type: 'file' | 'dir' | 'removed'; path: string }
  | { type: 'skipped'; path: string; reason: string }
  | undefined;

/** What the mirror tells the user when it moved a local file aside to keep it. */
export type MovedAsideEvent =
  | { event: 'reverted'; path: string; message: string }
  | { event: 'skipped'; path: string; reason: string };

const NOT_ON_HOST =
  'The host does not have this file and Tandem did not write it here (it was made or changed ' +
  'while Tandem was not running, or comes from another session)';
const HOST_REMOVED_CHANGED = 'The host deleted this file while it held a change of yours';

/** Options for a {@link MirrorSync}. */
export interface MirrorSyncOptions {
  /**
   * Called for a path whose local change the mirror kept instead of taking the host's content:
   * a change not sent yet (or made while apart), for the write-back to merge and send.
   */
  onKept?: (path: string) => void;
  /** Called when a local file was moved to the backups instead of being overwritten or pruned. */
  onMovedAside?: (event: MovedAsideEvent) => void;
  /** Receives failures to save the state; they cost no data, only the next run's shortcuts. */
  onStateError?: (error: unknown) => void;
}

/** A file being received: written to a temporary file, or only hashed when the local is kept. */
interface OpenFile {
  path: string;
  writer: MirrorFileWriter | undefined;
  expectedOffset: number;
  hash: Hash;
  /** The chunks so far, for a file small enough to become a base text. */
  chunks: Buffer[] | undefined;
  /** SHA-256 of the local file found in the way, when it is not one the mirror wrote. */
  unknownLocal: string | undefined;
  /** SHA-256 of the local change kept instead of the host's content. */
  keptLocal: string | undefined;
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
 *
 * What the mirror wrote is saved in its state folder (see {@link load}), so that a later run
 * joining the same session treats changes made while Tandem was not running as it treats those
 * made while the connection was down. Joining another session (or without a saved state), a
 * local file that the first snapshot would overwrite or prune and that is not what the mirror
 * last wrote is moved to the state folder's backups instead, and the user is told where.
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
  /**
   * Until the first snapshot is in: what an earlier run (of another session) last wrote, so that
   * only local files differing from it are moved aside. Empty without a saved state.
   */
  #previous: Map<string, string> | undefined = new Map();
  readonly #options: MirrorSyncOptions;
  /** Saves what this mirror knows, once {@link load} enabled it. */
  #saver: MirrorStateSaver | undefined;
  /** Names this run's backup folder. */
  readonly #run = new Date().toISOString().replace(/[:.]/g, '-');

  constructor(mirror: Mirror, options: MirrorSyncOptions = {}) {
    this.#mirror = mirror;
    this.#options = options;
    this.#onKept = options.onKept ?? (() => undefined);
  }

  /**
   * Reads what an earlier run saved and saves from now on. `session` names the session (it is
   * stored hashed). When the earlier run followed the same session, the first snapshot is taken
   * as a reconnect: local changes are kept and handed over, files the host removed are pruned
   * only when unchanged here. Otherwise the saved state only tells which local files are the
   * mirror's own, unchanged copies; the rest are moved aside before being overwritten or pruned.
   * @returns whether the earlier run's session was this one
   */
  async load(session: string): Promise<boolean> {
    const hashed = hashSession(session);
    this.#saver = new MirrorStateSaver({
      root: this.#mirror.root,
      session: hashed,
      // Only after a snapshot completed: before that, what the mirror knows is partial, and the
      // earlier run's state describes the files still better.
      collect: () =>
        this.#everSynced
          ? { files: new Map(this.#digests), dirs: new Set(this.#hostDirs) }
          : undefined,
      ...(this.#options.onStateError ? { onError: this.#options.onStateError } : {}),
    });
    let state: MirrorStateData | undefined;
    try {
      state = await readMirrorState(this.#mirror.root);
    } catch (error) {
      this.#options.onStateError?.(error);
    }
    if (state?.session !== hashed) {
      this.#previous = state?.files ?? new Map();
      return false;
    }
    for (const [path, digest] of state.files) this.#digests.set(path, digest);
    for (const dir of state.dirs) this.#hostDirs.add(dir);
    this.#everSynced = true;
    this.#previous = undefined;
    return true;
  }

  /**
   * Moves the local file (or folder) at `path` to this run's backups, to keep the user's work
   * where the mirror must put something else.
   * @returns the backup's absolute path, or `undefined` when nothing was there
   */
  async moveAside(path: string): Promise<string | undefined> {
    const destination = await backupDestination(this.#mirror.root, this.#run, path);
    return (await this.#mirror.moveAside(path, destination)) ? destination : undefined;
  }

  /** The folder this run's backups go to. */
  get backupDir(): string {
    return join(this.#mirror.root, MIRROR_STATE_DIR, MIRROR_BACKUP_DIR, this.#run);
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
          this.#saver?.soon();
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
        // A local change the write-back has not sent yet is kept, not deleted with the file.
        if (this.#digests.has(message.path)) {
          await this.#keepIfChanged(message.path, HOST_REMOVED_CHANGED);
        }
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
            beforeRemove: (path) => this.#keepIfChanged(path, NOT_ON_HOST),
          });
          for (const path of [...this.#digests.keys(), ...this.#hostDirs]) {
            if (!keep.has(path)) this.forget(path);
          }
          this.#everSynced = true;
          this.#previous = undefined;
          await this.#saver?.now();
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
    this.#saver?.soon();
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
    this.#saver?.soon();
  }

  /** Expects a new snapshot (after a reconnect): collects its paths again for pruning. */
  restart(): void {
    this.#snapshotPaths = new Set();
    this.#skipping = undefined;
  }

  /** Drops a half-received file, for when the connection ends mid-transfer, and saves. */
  async close(): Promise<void> {
    await this.#abortOpen();
    await this.#saver?.now();
  }

  async #applyFile(
    message: Extract<HostMessage, { t: 'file' }>,
    body: Buffer,
  ): Promise<MirrorUpdate> {
    if (message.offset === 0) {
      await this.#abortOpen();
      this.#snapshotPaths?.add(message.path);
      const recorded = this.#digests.get(message.path);
      const local = await this.#mirror.digestLocal(message.path);
      const keepLocal = recorded !== undefined && local !== recorded;
      // A local file the mirror did not write (made before this session, or offline) is the
      // user's: it is moved aside, not overwritten, unless the host's content turns out equal.
      const unknown =
        local !== undefined && local !== recorded && local !== this.#previous?.get(message.path);
      const writer = keepLocal
        ? undefined
        : await this.#mirror.beginFile(message.path, message.size, {
            executable: message.executable,
          });
      const chunks = message.size <= MAX_TEXT_FILE_BYTES ? [] : undefined;
      const hash = createHash('sha256');
      this.#open = {
        path: message.path,
        writer,
        expectedOffset: 0,
        hash,
        chunks,
        unknownLocal: unknown && !keepLocal ? local : undefined,
        keptLocal: keepLocal ? local : undefined,
      };
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
    const theirs = open.hash.digest('hex');
    if (!open.writer && theirs !== open.keptLocal) {
      this.#theirs.set(message.path, theirs);
      this.#onKept(message.path);
      return undefined;
    }
    // Recorded before the rename, so the watcher's echo of this write is recognised. (Without a
    // writer, the local change is what the host has now: nothing to merge.)
    this.#digests.set(message.path, theirs);
    this.#theirs.delete(message.path);
    if (open.chunks) this.#bases.keep(message.path, Buffer.concat(open.chunks));
    else this.#bases.forget(message.path);
    this.#saver?.soon();
    if (!open.writer) return undefined;
    if (open.unknownLocal !== undefined && open.unknownLocal !== theirs) {
      const backup = await this.moveAside(message.path);
      if (backup !== undefined) {
        this.#options.onMovedAside?.({
          event: 'reverted',
          path: message.path,
          message:
            'Your copy was not the one Tandem last wrote here (changed while Tandem was not ' +
            `running, or from another session); the host’s version replaced it and yours is ` +
            `saved as ${backup}`,
        });
      }
    }
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
      // Left behind by a crash mid-write: a partial copy, never the user's; pruning removes it.
      if (isMirrorTempPath(entry.path)) continue;
      if (!rules.isShared(entry.path, entry.kind === 'dir')) continue;
      const recorded = this.#digests.get(entry.path);
      if (recorded !== undefined) {
        const local = await this.#mirror.digestLocal(entry.path).catch(() => recorded);
        if (local === recorded) continue;
      }
      changed.push(entry.path);
    }
    return changed;
  }

  /**
   * Before pruning `path`: moves it aside when it is not what the mirror (or, for a first
   * snapshot, an earlier run) last wrote, so that pruning never deletes the user's work.
   */
  async #keepIfChanged(path: string, why: string): Promise<void> {
    const known = this.#digests.get(path) ?? this.#previous?.get(path);
    // A symlink or something else unreadable counts as changed: it is moved, never followed.
    const local = await this.#mirror.digestLocal(path).catch(() => 'unreadable');
    if (local === undefined || local === known) return;
    const backup = await this.moveAside(path);
    if (backup === undefined) return;
    this.#options.onMovedAside?.({
      event: 'skipped',
      path,
      reason: `${why}; it was moved out of the mirror to ${backup}`,
    });
  }
}
