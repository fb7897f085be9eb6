import type { ListingEntry } from '../protocol.js';
import { h, parentPath } from './dom.js';

/** Entries each "Show more" adds to a folder's listing. */
export const LISTING_STEP = 5000;

/** How long a folder's listing may be on its way before the folder is asked for again anyway. */
export const LISTING_WAIT_MS = 10_000;

/** The tree item the person picked last: what file operations act on. */
export interface TreeSelection {
  path: string;
  kind: 'file' | 'dir';
}

/** Options for {@link FileTree}. */
export interface FileTreeOptions {
  /** The element with `data-testid=tree`; rows are rendered into it. */
  root: HTMLElement;
  /** Asks the agent for one folder's entries ('' is the shared root). */
  /** Asks for a folder's listing: at most `limit` entries, or the agent's default. */
  sendList: (path: string, limit?: number) => void;
  /** The person opened a file. */
  onOpen: (path: string) => void;
  /** The selection changed (file operations enable themselves). */
  onSelect: (selection: TreeSelection | null) => void;
}

interface Listing {
  entries: ListingEntry[];
  truncated: boolean;
}

/**
 * The shared folder as a lazy tree: a folder is listed when it is expanded, and listed again
 * when the agent says something under it changed. Rows follow the WAI-ARIA tree pattern:
 * one tab stop, arrow keys to move, Right/Left to expand/collapse, Enter to open.
 */
export class FileTree {
  readonly #options: FileTreeOptions;
  readonly #listings = new Map<string, Listing>();
  readonly #expanded = new Set<string>();
  /** Folders whose listing is on its way, with when it was asked for. */
  readonly #loading = new Map<string, number>();
  /**
   * Folders asked for again while a listing of theirs was on its way: asked once more when it
   * arrives. A burst of changes (thousands of files landing) then costs one listing at a time
   * instead of a backlog of stale ones the page would work through long after.
   */
  readonly #stale = new Set<string>();
  /** Folders the person asked to see more of: how many entries to ask for. */
  readonly #limits = new Map<string, number>();
  #selection: TreeSelection | null = null;
  #activeFile: string | null = null;
  #started = false;

  constructor(options: FileTreeOptions) {
    this.#options = options;
    options.root.setAttribute('role', 'tree');
    options.root.addEventListener('keydown', (event) => this.#onKey(event));
    this.#render();
  }

  get selection(): TreeSelection | null {
    return this.#selection;
  }

  /** Lists the root (and every expanded folder) again: on admission or a new agent link. */
  start(): void {
    this.#started = true;
    this.#list('');
    for (const path of this.#expanded) this.#list(path);
  }

  /** Forgets everything shown (the session ended, or this participant is not admitted). */
  clear(): void {
    this.#started = false;
    this.#listings.clear();
    this.#loading.clear();
    this.#stale.clear();
    this.#render();
  }

  /** A `listing` from the agent. */
  listed(path: string, entries: ListingEntry[], truncated: boolean): void {
    this.#loading.delete(path);
    if (this.#stale.delete(path)) this.#list(path);
    const sorted = [...entries].sort(
      (a, b) => (a.kind === b.kind ? 0 : a.kind === 'dir' ? -1 : 1) || compareNames(a.name, b.name),
    );
    this.#listings.set(path, { entries: sorted, truncated });
    if (this.#selection && !this.#exists(this.#selection.path)) this.select(null);
    this.#render();
  }

  /** `tree-changed`: lists again those of the folders that are on screen. */
  changed(paths: string[]): void {
    for (const path of paths) {
      // A folder that is gone from its parent's listing is not asked for (it would fail).
      const shown = path === '' || (this.#expanded.has(path) && this.#exists(path));
      if (this.#listings.has(path) && shown) this.#list(path);
    }
  }

  /** Expands a folder (and lists it); used after creating something in it. */
  expand(path: string): void {
    if (path === '') return;
    this.#expanded.add(path);
    this.#list(path);
    this.#render();
  }

  /** Lists a folder again if it is on screen (after a file operation of ours succeeded). */
  refresh(path: string): void {
    if (path === '' || this.#expanded.has(path)) this.#list(path);
  }

  select(selection: TreeSelection | null): void {
    this.#selection = selection;
    this.#render();
    this.#options.onSelect(selection);
  }

  /** Highlights the file in the active tab. */
  setActiveFile(path: string | null): void {
    this.#activeFile = path;
    this.#render();
  }

  #list(path: string): void {
    if (!this.#started) return;
    const asked = this.#loading.get(path);
    // A listing that never came (the request failed) holds the folder up only for so long.
    if (asked !== undefined && Date.now() - asked < LISTING_WAIT_MS) {
      this.#stale.add(path);
      return;
    }
    this.#loading.set(path, Date.now());
    this.#options.sendList(path, this.#limits.get(path));
  }

  #toggle(path: string): void {
    if (this.#expanded.has(path)) {
      this.#expanded.delete(path);
      this.#render();
    } else {
      this.expand(path);
    }
  }

  #activate(entry: ListingEntry): void {
    this.select({ path: entry.path, kind: entry.kind });
    if (entry.kind === 'dir') this.#toggle(entry.path);
    else this.#options.onOpen(entry.path);
  }

  #exists(path: string): boolean {
    for (const listing of this.#listings.values()) {
      if (listing.entries.some((entry) => entry.path === path)) return true;
    }
    return false;
  }

  #render(): void {
    const root = this.#options.root;
    const focused = root.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset['path']
      : undefined;
    const rows: HTMLElement[] = [];
    const top = this.#listings.get('');
    if (!top) {
      rows.push(h('p', { class: 'tree-message' }, this.#started ? 'Loading…' : ''));
    } else if (top.entries.length === 0) {
      rows.push(h('p', { class: 'tree-message' }, 'This folder is empty.'));
    } else {
      this.#renderLevel('', 1, rows);
    }
    root.replaceChildren(...rows);
    // One tab stop: the selected row, else the first.
    const rowButtons = [...root.querySelectorAll<HTMLElement>('[data-testid=tree-item]')];
    const current =
      rowButtons.find((row) => row.dataset['path'] === this.#selection?.path) ?? rowButtons[0];
    if (current) current.tabIndex = 0;
    if (focused !== undefined) {
      rowButtons.find((row) => row.dataset['path'] === focused)?.focus();
    }
  }

  #renderLevel(path: string, depth: number, rows: HTMLElement[]): void {
    const listing = this.#listings.get(path);
    if (!listing) {
      rows.push(indent(h('p', { class: 'tree-message' }, 'Loading…'), depth));
      return;
    }
    if (listing.entries.length === 0) {
      rows.push(indent(h('p', { class: 'tree-message' }, 'Empty folder'), depth));
    }
    for (const entry of listing.entries) {
      const isDir = entry.kind === 'dir';
      const expanded = isDir && this.#expanded.has(entry.path);
      const row = h(
        'div',
        {
          class: 'tree-row',
          role: 'treeitem',
          tabindex: '-1',
          'data-testid': 'tree-item',
          'data-path': entry.path,
          'data-kind': entry.kind,
          'aria-level': depth,
          'aria-expanded': isDir ? String(expanded) : undefined,
          'aria-selected': String(this.#selection?.path === entry.path),
          'aria-current': this.#activeFile === entry.path ? 'true' : undefined,
          title: entry.path,
          on: { click: () => this.#activate(entry) },
        },
        h('span', { class: `tree-icon ${isDir ? (expanded ? 'open' : 'closed') : 'file'}` }),
        h('span', { class: 'tree-name' }, entry.name),
      );
      rows.push(indent(row, depth));
      if (expanded) this.#renderLevel(entry.path, depth + 1, rows);
    }
    if (listing.truncated) {
      const shown = listing.entries.length;
      const more = h(
        'button',
        {
          class: 'tree-more',
          'data-testid': 'tree-more',
          on: {
            click: () => {
              this.#limits.set(path, shown + LISTING_STEP);
              this.#list(path);
            },
          },
        },
        `Show more (${shown} shown)`,
      );
      rows.push(indent(more, depth));
    }
  }

  #onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    const path = target.dataset['path'];
    if (path === undefined) return;
    const rows = [...this.#options.root.querySelectorAll<HTMLElement>('[data-testid=tree-item]')];
    const index = rows.indexOf(target);
    const entry = this.#entry(path);
    if (!entry) return;
    const move = (row: HTMLElement | undefined): void => {
      if (!row) return;
      for (const other of rows) other.tabIndex = -1;
      row.tabIndex = 0;
      row.focus();
    };
    switch (event.key) {
      case 'ArrowDown':
        move(rows[index + 1]);
        break;
      case 'ArrowUp':
        move(rows[index - 1]);
        break;
      case 'Home':
        move(rows[0]);
        break;
      case 'End':
        move(rows[rows.length - 1]);
        break;
      case 'ArrowRight':
        if (entry.kind === 'dir' && !this.#expanded.has(path)) this.expand(path);
        else move(rows[index + 1]);
        break;
      case 'ArrowLeft':
        if (entry.kind === 'dir' && this.#expanded.has(path)) this.#toggle(path);
        else move(rows.find((row) => row.dataset['path'] === parentPath(path)));
        break;
      case 'Enter':
      case ' ':
        this.#activate(entry);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  #entry(path: string): ListingEntry | undefined {
    for (const listing of this.#listings.values()) {
      const found = listing.entries.find((entry) => entry.path === path);
      if (found) return found;
    }
    return undefined;
  }
}

function indent(element: HTMLElement, depth: number): HTMLElement {
  element.style.setProperty('--depth', String(depth - 1));
  return element;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}
