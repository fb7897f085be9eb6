import type * as Y from 'yjs';
import type { FileOp } from '../protocol/messages.js';
import type { Participant } from '../protocol/presence-state.js';
import { listFolder, type WorkspaceEntry } from '../workspace/index.js';
import type { Collaboration } from './collaboration.js';
import type { SharedFolder } from './publisher.js';

/** Options of {@link HostLocal.fileOp}. */
export interface LocalFileOpOptions {
  /** The new path, for `rename`. */
  to?: string;
  /** The content, for `create` and `write`. */
  content?: Uint8Array;
}

/**
 * The host's own place in its session, for the host's editor UI: its documents (the
 * authoritative ones), its presence, the shared folder's listing and file operations. The host
 * may do everything; the same path gate and ignore rules as for guests still apply.
 */
export class HostLocal {
  readonly #collab: Collaboration;
  readonly #folder: SharedFolder;
  readonly #treeListeners = new Set<(folders: string[]) => void>();

  constructor(collab: Collaboration, folder: SharedFolder) {
    this.#collab = collab;
    this.#folder = folder;
  }

  /** The host's awareness client id. */
  get clientId(): number {
    return this.#collab.presence.awareness.clientID;
  }

  /** Everyone present. */
  participants(): Participant[] {
    return this.#collab.presence.participants();
  }

  /** Calls `listener` on every presence change. Returns a function that stops. */
  onPresence(listener: () => void): () => void {
    const awareness = this.#collab.presence.awareness;
    const handler = (): void => listener();
    awareness.on('change', handler);
    return () => awareness.off('change', handler);
  }

  /** Publishes the file the host looks at and its cursor there. */
  setPresence(file: string | null, cursor: unknown): void {
    this.#collab.presence.setLocal(file, cursor);
  }

  /** Publishes whom the host follows, or null. */
  follow(clientId: number | null): void {
    this.#collab.presence.follow(clientId);
  }

  /** Lists one shared folder ('' for the root). */
  list(
    path: string,
    maxEntries: number,
  ): Promise<{ entries: WorkspaceEntry[]; truncated: boolean }> {
    return listFolder(this.#folder.root, this.#folder.rules, { path, maxEntries });
  }

  /** Calls `listener` with the folders whose listing may have changed. */
  onTreeChange(listener: (folders: string[]) => void): () => void {
    this.#treeListeners.add(listener);
    return () => this.#treeListeners.delete(listener);
  }

  /** Tells listeners that something at `path` changed on disk. */
  notifyChanged(path: string): void {
    const slash = path.lastIndexOf('/');
    const folders = [slash < 0 ? '' : path.slice(0, slash)];
    for (const listener of this.#treeListeners) listener(folders);
  }

  /** Opens a shared text file's document; match each call with {@link closeDocument}. */
  async openDocument(path: string): Promise<{ path: string; doc: Y.Doc }> {
    const store = this.#collab.store;
    const shared = await store.openDocument(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(`${path} does not exist (any more).`, { cause: error });
      }
      throw error;
    });
    if (shared.gone !== undefined || shared.path !== path) {
      await store.closeDocument(shared.path);
      throw new Error(
        shared.gone !== undefined
          ? `${path} was deleted or renamed on disk; try again in a moment.`
          : `Open ${shared.path} rather than ${path}.`,
      );
    }
    return { path: shared.path, doc: shared.doc as Y.Doc };
  }

  /** Gives back one {@link openDocument}; the last one saves and frees the document. */
  closeDocument(path: string): Promise<void> {
    return this.#collab.store.closeDocument(path);
  }

  /** Calls `listener` when an open document's file is deleted or stops being text. */
  onDocumentGone(listener: (path: string, reason: string) => void): () => void {
    return this.#collab.onDocumentGone(listener);
  }

  /** Creates, writes, renames or deletes in the shared folder. */
  async fileOp(op: FileOp, path: string, options: LocalFileOpOptions = {}): Promise<void> {
    const files = this.#collab.files;
    switch (op) {
      case 'create':
        return files.createFile(path, options.content);
      case 'mkdir':
        return files.createDirectory(path);
      case 'write':
        return files.writeFile(path, options.content ?? new Uint8Array());
      case 'rename':
        if (!options.to) throw new TypeError('A rename needs the new path.');
        return files.rename(path, options.to);
      case 'delete':
        return files.delete(path);
    }
  }
}
