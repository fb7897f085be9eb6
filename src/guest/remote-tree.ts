import type { HostMessage } from '../protocol/messages.js';

/** One file or folder of the host's tree as the guest knows it. */
export interface RemoteEntry {
  name: string;
  path: string;
  kind: 'file' | 'dir';
  size: number;
}

type TreeMessage = Extract<HostMessage, { t: 'tree' | 'file' | 'remove' | 'synced' }>;

/**
 * The shared tree's listing as the host announced it, kept in memory for a guest's editor (with
 * or without a mirror). A snapshot after each (re)connection is built aside and swapped in at
 * `synced`, so a listing never shows half of it; the live changes that follow apply at once.
 */
export class RemoteTree {
  /** Folder path ('' for the root) → its entries by name. */
  #folders = new Map<string, Map<string, RemoteEntry>>([['', new Map()]]);
  #next: Map<string, Map<string, RemoteEntry>> | undefined;
  readonly #listeners = new Set<(folders: string[]) => void>();

  /** Starts a new snapshot: the host sends the whole tree again after a (re)connection. */
  restart(): void {
    this.#next = new Map([['', new Map()]]);
  }

  /** Whether a snapshot is still arriving. */
  get loading(): boolean {
    return this.#next !== undefined;
  }

  /** The entries of one folder, folders first, then by name; empty when unknown. */
  list(folder: string): RemoteEntry[] {
    const entries = [...(this.#folders.get(folder)?.values() ?? [])];
    return entries.sort((a, b) =>
      a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1,
    );
  }

  /** Calls `listener` with the folders whose listing changed. Returns a function that stops. */
  onChange(listener: (folders: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies one tree message from the host. */
  apply(message: TreeMessage): void {
    const target = this.#next ?? this.#folders;
    const changed = new Set<string>();
    switch (message.t) {
      case 'tree':
        for (const entry of message.entries) {
          changed.add(upsert(target, entry.path, entry.kind, entry.size));
        }
        break;
      case 'file':
        if (message.offset === 0) changed.add(upsert(target, message.path, 'file', message.size));
        break;
      case 'remove':
        changed.add(remove(target, message.path));
        break;
      case 'synced':
        if (this.#next) {
          this.#folders = this.#next;
          this.#next = undefined;
          changed.add('');
        }
        break;
    }
    if (target === this.#next || changed.size === 0) return;
    const folders = [...changed];
    for (const listener of this.#listeners) listener(folders);
  }
}

function parentOf(path: string): { folder: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0
    ? { folder: '', name: path }
    : { folder: path.slice(0, slash), name: path.slice(slash + 1) };
}

function ensureFolder(folders: Map<string, Map<string, RemoteEntry>>, path: string): void {
  if (folders.has(path)) return;
  folders.set(path, new Map());
  if (path === '') return;
  const { folder, name } = parentOf(path);
  ensureFolder(folders, folder);
  folders.get(folder)!.set(name, { name, path, kind: 'dir', size: 0 });
}

function upsert(
  folders: Map<string, Map<string, RemoteEntry>>,
  path: string,
  kind: 'file' | 'dir',
  size: number,
): string {
  const { folder, name } = parentOf(path);
  ensureFolder(folders, folder);
  folders.get(folder)!.set(name, { name, path, kind, size });
  if (kind === 'dir') ensureFolder(folders, path);
  return folder;
}

function remove(folders: Map<string, Map<string, RemoteEntry>>, path: string): string {
  const { folder, name } = parentOf(path);
  folders.get(folder)?.delete(name);
  const prefix = `${path}/`;
  for (const key of [...folders.keys()]) {
    if (key === path || key.startsWith(prefix)) folders.delete(key);
  }
  return folder;
}
