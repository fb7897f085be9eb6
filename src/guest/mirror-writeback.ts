import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Role } from '../protocol/messages.js';
import {
  loadWorkspaceRules,
  MAX_TEXT_FILE_BYTES,
  watchWorkspace,
  type Mirror,
  type WorkspaceChange,
  type WorkspaceWatcher,
} from '../workspace/index.js';
import {
  applyTextChange,
  decodeText,
  encodeText,
  type TextFormat,
} from '../workspace/documents/index.js';
import { HOST_ORIGIN, type GuestCollaboration, type GuestDocument } from './collaboration.js';
import type { MirrorSync } from './mirror-sync.js';

/** Quiet time before a document's remote edits are written into the mirror file. */
export const MIRROR_WRITE_DEBOUNCE_MS = 50;

/** Origin of edits read from the mirror folder. */
export const MIRROR_ORIGIN: unique symbol = Symbol('tandem.mirror');

/** What the write-back reports. */
export type WritebackEvent =
  | { event: 'sent'; path: string; kind: 'edit' | 'write' | 'create' | 'mkdir' | 'delete' }
  | { event: 'reverted'; path: string; message: string };

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
}

interface Followed {
  document: GuestDocument;
  format: TextFormat;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The mirror's way back to the host: changes made in the mirror folder with any editor are
 * sent to the host. A text file the host has becomes a shared document, and the edit is
 * merged into it as the smallest change (so concurrent edits elsewhere in the file survive);
 * other files are written, created or deleted through file operations. A read-only guest's
 * change is put back from the host, and the guest is told why.
 *
 * TODO(guest): a local change is diffed against the document as it is now, not against the
 * text the editor started from, so one made in the same instant as a remote edit to the same
 * file can undo that remote edit; a three-way merge as in DocumentStore is next (issue 3).
 */
export class MirrorWriteback {
  readonly #options: MirrorWritebackOptions;
  readonly #followed = new Map<string, Followed>();
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
      onChange: (change) => {
        this.#queue = this.#queue.then(() =>
          this.#handle(change).catch((error: unknown) =>
            this.#options.logger.warn({ err: error }, 'could not send a mirror change'),
          ),
        );
      },
    });
    await this.#watcher.ready;
  }

  /** Stops watching and writes pending document edits into the mirror. */
  async close(): Promise<void> {
    await this.#watcher?.close();
    for (const [path, followed] of this.#followed) {
      if (followed.timer) {
        clearTimeout(followed.timer);
        await this.#writeDocument(path, followed);
      }
    }
  }

  async #handle(change: WorkspaceChange): Promise<void> {
    const { sync, collaboration } = this.#options;
    const path = change.path;
    const role = this.#options.role();
    if (change.type === 'delete') {
      if (!sync.hostHas(path)) return; // The host removed it; this is our own echo.
      if (role === 'read-only' || role === undefined) return this.#revert(path);
      sync.forget(path);
      await this.#fileOp('delete', path);
      return;
    }
    if (change.kind === 'dir') {
      if (sync.hostHas(path)) return;
      if (role === 'read-only' || role === undefined) return this.#revert(path);
      await this.#fileOp('mkdir', path);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.#options.mirror.root, ...path.split('/')));
    } catch {
      return; // Gone again already; the delete event follows.
    }
    if (digest(bytes) === sync.digestOf(path)) return; // What we wrote ourselves.
    if (role === 'read-only' || role === undefined) return this.#revert(path);
    const decoded = bytes.length <= MAX_TEXT_FILE_BYTES ? decodeText(bytes) : undefined;
    if (sync.hostHas(path) && decoded) {
      const followed = await this.#follow(path, decoded.format);
      followed.format = decoded.format;
      applyTextChange(followed.document.text, decoded.text, MIRROR_ORIGIN);
      sync.remember(path, bytes);
      this.#options.onEvent({ event: 'sent', path, kind: 'edit' });
      return;
    }
    const op = sync.hostHas(path) ? 'write' : 'create';
    sync.remember(path, bytes);
    await this.#fileOp(op, path, bytes);
  }

  async #fileOp(
    op: 'write' | 'create' | 'mkdir' | 'delete',
    path: string,
    content?: Uint8Array,
  ): Promise<void> {
    try {
      await this.#options.collaboration.fileOp(op, path, content ? { content } : {});
      this.#options.onEvent({ event: 'sent', path, kind: op });
    } catch (error) {
      this.#options.onEvent({ event: 'reverted', path, message: (error as Error).message });
      this.#options.sync.forget(path);
      this.#options.fetch(path);
    }
  }

  #revert(path: string): void {
    this.#options.sync.forget(path);
    this.#options.fetch(path);
    this.#options.onEvent({
      event: 'reverted',
      path,
      message: 'Your role is read-only: the change was not sent and the host’s version is back.',
    });
  }

  /** Opens the document for `path` and writes the host's edits to it into the mirror. */
  async #follow(path: string, format: TextFormat): Promise<Followed> {
    const existing = this.#followed.get(path);
    if (existing) return existing;
    const document = this.#options.collaboration.open(path);
    const followed: Followed = { document, format, timer: undefined };
    this.#followed.set(path, followed);
    document.doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin !== HOST_ORIGIN) return;
      clearTimeout(followed.timer);
      followed.timer = setTimeout(() => {
        followed.timer = undefined;
        void this.#writeDocument(path, followed);
      }, MIRROR_WRITE_DEBOUNCE_MS);
    });
    await document.synced;
    return followed;
  }

  async #writeDocument(path: string, followed: Followed): Promise<void> {
    const bytes = encodeText(followed.document.text.toString(), followed.format);
    if (digest(bytes) === this.#options.sync.digestOf(path)) return;
    this.#options.sync.remember(path, bytes);
    try {
      await this.#options.mirror.writeFile(path, bytes);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'could not write a document into the mirror');
    }
  }
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
