import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { MAX_FRAME_BYTES } from '../protocol/frame.js';
import type { Role } from '../protocol/messages.js';
import {
  loadWorkspaceRules,
  MAX_TEXT_FILE_BYTES,
  watchWorkspace,
  type Mirror,
  type WorkspaceChange,
  type WorkspaceWatcher,
} from '../workspace/index.js';
import { isMirrorOwnName } from '../workspace/mirror-names.js';
import {
  applyTextChange,
  decodeText,
  encodeText,
  mergeTexts,
  type DecodedText,
  type TextFormat,
} from '../workspace/documents/index.js';
import {
  FileOpTimeoutError,
  HOST_ORIGIN,
  type GuestCollaboration,
  type GuestDocument,
} from './collaboration.js';
import { MirrorResends } from './mirror-resend.js';
import type { MirrorSync } from './mirror-sync.js';

/** Quiet time before a document's remote edits are written into the mirror file. */
export const MIRROR_WRITE_DEBOUNCE_MS = 50;

/**
 * Room kept in a frame for the header of a file operation (a path of up to 1024 characters,
 * escaped in JSON), in bytes.
 */
const FILE_OP_HEADER_ROOM = 16 * 1024;

/**
 * Largest file content a mirror sends in one `write` or `create`: a file operation travels in
 * one frame, and a frame may not exceed MAX_FRAME_BYTES (the bound both ends hold each other
 * to). A larger file is not sent, and stays in the mirror as the user left it.
 */
export const MAX_MIRROR_SEND_BYTES = MAX_FRAME_BYTES - FILE_OP_HEADER_ROOM;

/** Origin of edits read from the mirror folder. */
export const MIRROR_ORIGIN: unique symbol = Symbol('tandem.mirror');

/** What the write-back reports. */
export type WritebackEvent =
  | { event: 'sent'; path: string; kind: 'edit' | 'write' | 'create' | 'mkdir' | 'delete' }
  | { event: 'reverted'; path: string; message: string }
  /** A local change not sent; it stays in the mirror (or in the backups, as `reason` says). */
  | { event: 'skipped'; path: string; reason: string };

/** Options for {@link MirrorWriteback}. */
export interface MirrorWritebackOptions {
  mirror: Mirror;
  sync: MirrorSync;
  collaboration: GuestCollaboration;
  role: () => Role | undefined;
  /** Asks the host for a path's current content, to put back a change that may not stand. */
  fetch: (path: string) => void;
  onEvent: (event: WritebackEvent) => void;
  logger: Logger;
  /** Defaults to {@link MIRROR_WRITE_DEBOUNCE_MS}. */
  writeDebounceMs?: number;
}

interface Followed {
  document: GuestDocument;
  format: TextFormat;
  timer: NodeJS.Timeout | undefined;
}

/** What a path in the mirror is now, as far as sending it goes. */
type LocalKind = 'file' | 'dir' | 'symlink' | 'missing';

const READ_ONLY = 'Your role is read-only: the change was not sent and the host’s version is back.';
const readOnlyNew = (what: string): string =>
  `Your role is read-only, so this new ${what} was not sent and was moved out of the mirror.`;
const CHANGED_ON_BOTH =
  'The host changed this file too while you were apart, and it cannot be merged: the host’s ' +
  'version is back.';
const SYMLINK =
  'Symlinks are not synced: the link stays in your mirror only and the host does not get it.';

/**
 * The mirror's way back to the host: changes made in the mirror folder with any editor are
 * sent to the host. A text file the host has becomes a shared document, and the edit is merged
 * into it three ways: the local change is measured from what the mirror file held when last
 * written or read (its base, kept by MirrorSync), and applied on top of the document as it is
 * now, so host edits that reached the document but not yet the file survive it. Other files are
 * written, created or deleted through file operations. A read-only guest's change is put back
 * from the host, and the guest is told why; a local file is never overwritten or removed that
 * way without first being moved to the mirror's backups (see {@link MirrorSync.moveAside}). A
 * change the host did not confirm in time stays in the mirror and is sent again. The mirror's
 * own temporary files are never looked at, and symlinks are not sent.
 *
 * While the connection is down, changes are held, not sent; MirrorSync keeps them out of the
 * host's next snapshot and hands them back, and {@link resume} sends them once that snapshot is
 * in: text merged with what the host did meanwhile, new files created, deletions of files the
 * host did not change made there too.
 */
export class MirrorWriteback {
  readonly #options: MirrorWritebackOptions;
  readonly #followed = new Map<string, Followed>();
  /** Paths changed while the connection was down, looked at again by {@link resume}. */
  readonly #held = new Set<string>();
  /** Paused until the first snapshot is in: MirrorSync may hand over paths during it. */
  #paused = true;
  /** Changes the host did not confirm in time, to be sent again. */
  readonly #resends = new MirrorResends((path) => this.#enqueue(path));
  /** Symlinks the user was told about, to tell once each. */
  readonly #toldSymlinks = new Set<string>();
  #watcher: WorkspaceWatcher | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: MirrorWritebackOptions) {
    this.#options = options;
  }

  /** Starts watching the mirror folder. */
  async start(): Promise<void> {
    if (this.#watcher) return;
    const rules = await loadWorkspaceRules(this.#options.mirror.root);
    this.#watcher = watchWorkspace(this.#options.mirror.root, rules, {
      ownMirror: true,
      onChange: (change) => this.#enqueue(change.path, change),
    });
    await this.#watcher.ready;
  }

  /** Holds local changes from now on: the connection is gone, or not in step yet. */
  pause(): void {
    this.#paused = true;
  }

  /** Sends what was held since {@link pause}; call once the host's new snapshot is in. */
  resume(): void {
    this.#paused = false;
    const held = [...this.#held];
    this.#held.clear();
    for (const path of held) this.#enqueue(path);
  }

  /** Looks at `path` again: MirrorSync kept a local change there instead of the host's content. */
  recheck(path: string): void {
    this.#enqueue(path);
  }

  /**
   * Stops watching and writes pending document edits into the mirror. Changes still held are
   * not sent (there is no connection left to send them on); they stay in the mirror.
   */
  async close(): Promise<void> {
    this.#resends.close();
    await this.#watcher?.close();
    for (const [path, followed] of this.#followed) {
      if (!followed.timer) continue;
      clearTimeout(followed.timer);
      followed.timer = undefined;
      // Not behind the queue: a change waiting there for a document may wait forever now.
      await this.#writeDocument(path, followed).catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'could not write a document into the mirror'),
      );
    }
  }

  #enqueue(path: string, change?: WorkspaceChange): void {
    // A temporary file of the mirror's own is a partial copy being written, never a change of
    // the user's (the rules hide them from the watcher too; this holds for every other route).
    if (path.split('/').some(isMirrorOwnName)) return;
    if (this.#paused) {
      this.#held.add(path);
      return;
    }
    this.#run(() => this.#look(path, change));
  }

  /** Runs `task` after the ones before it; a failure is logged, never thrown. */
  #run(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(() =>
      task().catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'could not send a mirror change'),
      ),
    );
  }

  get #connected(): boolean {
    return !this.#paused && this.#options.collaboration.connected;
  }

  get #mayEdit(): boolean {
    const role = this.#options.role();
    return role !== undefined && role !== 'read-only';
  }

  async #look(path: string, change?: WorkspaceChange): Promise<void> {
    if (!this.#connected) {
      this.#held.add(path);
      return;
    }
    // The watcher reports a symlink to a shared file as that file: what is there is looked at
    // again, a symlink is never sent (its target's content would go in its place), and anything
    // but a plain file, folder or symlink is left alone.
    let kind = change ? kindAfter(change) : await this.#localKind(path);
    if (kind === 'file') kind = await this.#localKind(path);
    if (kind === 'missing') return this.#deleted(path);
    if (kind === 'dir') return this.#madeDir(path);
    if (kind === 'file') return this.#changedFile(path);
    if (kind === 'symlink') this.#symlink(path);
  }

  async #localKind(path: string): Promise<LocalKind | undefined> {
    try {
      const info = await lstat(this.#abs(path));
      if (info.isSymbolicLink()) return 'symlink';
      return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : undefined;
    }
  }

  #symlink(path: string): void {
    if (this.#toldSymlinks.has(path)) return;
    this.#toldSymlinks.add(path);
    this.#options.onEvent({ event: 'skipped', path, reason: SYMLINK });
  }

  async #deleted(path: string): Promise<void> {
    const { sync } = this.#options;
    if (!sync.hostHas(path)) return; // The host removed it; this is our own echo.
    if (!this.#mayEdit) return this.#revert(path, READ_ONLY);
    if (sync.hostChanged(path)) return this.#revert(path, CHANGED_ON_BOTH);
    if (await this.#fileOp('delete', path)) sync.forget(path);
  }

  async #madeDir(path: string): Promise<void> {
    if (this.#options.sync.hostHas(path)) return;
    if (!this.#mayEdit) return this.#revert(path, readOnlyNew('folder'));
    await this.#fileOp('mkdir', path);
  }

  async #changedFile(path: string): Promise<void> {
    const { sync } = this.#options;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#abs(path));
    } catch {
      return; // Gone again already; the delete event follows.
    }
    if (digest(bytes) === sync.digestOf(path)) {
      // Nothing new here, yet the host's content was kept out: ask for it again (a followed
      // document has it already and writes it itself).
      if (sync.hostChanged(path) && !this.#followed.has(path)) this.#options.fetch(path);
      return;
    }
    if (!this.#mayEdit) {
      return this.#revert(path, sync.hostHas(path) ? READ_ONLY : readOnlyNew('file'));
    }
    const decoded = bytes.length <= MAX_TEXT_FILE_BYTES ? decodeText(bytes) : undefined;
    if (sync.hostHas(path) && decoded) return this.#mergeText(path, bytes, decoded);
    if (sync.hostHas(path) && sync.hostChanged(path)) return this.#revert(path, CHANGED_ON_BOTH);
    if (bytes.length > MAX_MIRROR_SEND_BYTES) {
      this.#options.onEvent({
        event: 'skipped',
        path,
        reason:
          `It is ${mebibytes(bytes.length)}, more than the ${mebibytes(MAX_MIRROR_SEND_BYTES)} ` +
          'a guest can send in one change (MAX_MIRROR_SEND_BYTES). Your change stays in the ' +
          'mirror but the host does not have it; ask the host to make it.',
      });
      return;
    }
    if (await this.#fileOp(sync.hostHas(path) ? 'write' : 'create', path, bytes)) {
      sync.remember(path, bytes);
    }
  }

  /**
   * Merges a local change of a text file into its document: the change from the file's base to
   * its text now is applied on top of the document's current text (a three-way merge), and the
   * result goes to the host as the smallest edit. When the document held host edits the file
   * did not, the merged text is written back into the file at once.
   */
  async #mergeText(path: string, bytes: Buffer, decoded: DecodedText): Promise<void> {
    const { sync } = this.#options;
    const followed = await this.#follow(path, decoded.format);
    if (!this.#connected) {
      this.#held.add(path); // Lost while waiting for the document; merged once back.
      return;
    }
    const current = followed.document.text.toString();
    const baseBytes = sync.baseOf(path);
    // Without a base, a file the host changed too cannot be merged (a two-way merge would undo
    // the host's change): the host's version goes back, the local one to the backups.
    if (!baseBytes && sync.hostChanged(path)) return this.#revert(path, CHANGED_ON_BOTH);
    // Without a base (too large to keep, or not text before) the document is the base: a
    // two-way merge, which takes the file as it is.
    const base = (baseBytes && decodeText(baseBytes)?.text) ?? current;
    const merged = mergeTexts(base, decoded.text, current);
    followed.format = decoded.format;
    applyTextChange(followed.document.text, merged, MIRROR_ORIGIN);
    sync.remember(path, bytes);
    this.#options.onEvent({ event: 'sent', path, kind: 'edit' });
    if (merged !== decoded.text) await this.#writeDocument(path, followed);
  }

  /**
   * Asks the host to make a change; true once done. When the host refuses, its version is put
   * back; when the connection is lost first, the path is held for {@link resume}; when the host
   * does not answer in time, the local change stays and is sent again.
   */
  async #fileOp(
    op: 'write' | 'create' | 'mkdir' | 'delete',
    path: string,
    content?: Uint8Array,
  ): Promise<boolean> {
    try {
      await this.#options.collaboration.fileOp(op, path, content ? { content } : {});
      this.#resends.succeeded(path);
      this.#options.onEvent({ event: 'sent', path, kind: op });
      return true;
    } catch (error) {
      if (!this.#connected) this.#held.add(path);
      // No answer is no refusal: taking the host's version back would throw the change away.
      else if (error instanceof FileOpTimeoutError) {
        const reason = this.#resends.unanswered(op, path);
        this.#options.onEvent({ event: 'skipped', path, reason });
      } else await this.#revert(path, (error as Error).message);
      return false;
    }
  }

  /**
   * Takes the host's version back for a local change that may not stand. Whatever is at `path`
   * locally goes to the backups first; a path the host does not have is only moved there.
   */
  async #revert(path: string, message: string): Promise<void> {
    const { sync } = this.#options;
    const hostHas = sync.hostHas(path);
    let backup: string | undefined;
    try {
      backup = await sync.moveAside(path);
    } catch (error) {
      // Without a copy kept, the local file stays as it is: better out of step than lost.
      this.#options.logger.warn({ err: error }, 'could not move a mirror file aside');
      const why = error instanceof Error ? error.message : String(error);
      this.#options.onEvent({
        event: 'skipped',
        path,
        reason: `${message} It could not be moved aside (${why}), so your file is left as it is.`,
      });
      return;
    }
    sync.forget(path);
    const saved = backup === undefined ? '' : ` Your version is saved as ${backup}`;
    if (!hostHas) {
      this.#options.onEvent({ event: 'skipped', path, reason: `${message}${saved}` });
      return;
    }
    this.#options.fetch(path);
    this.#options.onEvent({ event: 'reverted', path, message: `${message}${saved}` });
  }

  /** Opens the document for `path` and writes the host's edits to it into the mirror. */
  async #follow(path: string, format: TextFormat): Promise<Followed> {
    const existing = this.#followed.get(path);
    if (existing) return existing;
    const document = this.#options.collaboration.open(path);
    const followed: Followed = { document, format, timer: undefined };
    this.#followed.set(path, followed);
    const debounceMs = this.#options.writeDebounceMs ?? MIRROR_WRITE_DEBOUNCE_MS;
    document.doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin !== HOST_ORIGIN) return;
      clearTimeout(followed.timer);
      followed.timer = setTimeout(() => {
        followed.timer = undefined;
        this.#run(() => this.#writeDocument(path, followed));
      }, debounceMs);
    });
    await document.synced;
    return followed;
  }

  /**
   * Writes the document's text into the mirror file, unless the file holds a local change not
   * taken in yet: that change is merged first, and its merge writes the file.
   */
  async #writeDocument(path: string, followed: Followed): Promise<void> {
    const { sync, mirror } = this.#options;
    const bytes = encodeText(followed.document.text.toString(), followed.format);
    const known = sync.digestOf(path);
    if (digest(bytes) === known) return;
    const local = await mirror.digestLocal(path).catch(() => undefined);
    if (known === undefined || local !== known) {
      if (local !== undefined) this.#enqueue(path);
      return;
    }
    // Recorded before the write, so that the watcher's echo of it is recognised.
    sync.remember(path, bytes);
    try {
      await mirror.writeFile(path, bytes);
    } catch (error) {
      // The file still holds what it held: record that again, or its next change would be
      // measured from text it never had.
      await readFile(this.#abs(path)).then(
        (held) => sync.remember(path, held),
        () => sync.forget(path),
      );
      this.#options.logger.warn({ err: error }, 'could not write a document into the mirror');
    }
  }

  #abs(path: string): string {
    return join(this.#options.mirror.root, ...path.split('/'));
  }
}

function kindAfter(change: WorkspaceChange): LocalKind {
  return change.type === 'delete' ? 'missing' : change.kind;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
