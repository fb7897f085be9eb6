import type { ParticipantInfo } from '../protocol.js';
import { OpenFile, type OpenFileContext } from './open-file.js';

/** Options for {@link EditorArea}. */
export interface EditorAreaOptions extends OpenFileContext {
  /** The tab strip (role tablist). */
  tabList: HTMLElement;
  /** Where the panes go; also shows a hint while no file is open. */
  panes: HTMLElement;
  /** Asks the agent to open a file. */
  sendOpen: (path: string) => void;
  /** Tells the agent a file is closed. */
  sendClose: (path: string) => void;
  /** The active file changed (or null: no tab). */
  onActivate: (path: string | null) => void;
}

/** How {@link EditorArea.open} shows the file. */
export interface OpenOptions {
  /** Move keyboard focus into the editor (the person asked for the file). */
  focus?: boolean;
}

/**
 * The tabs and their editors. Only the active pane is visible; the others keep their
 * documents bound so that switching back is instant and remote edits keep arriving.
 */
export class EditorArea {
  readonly #options: EditorAreaOptions;
  readonly #files = new Map<string, OpenFile>();
  readonly #empty: HTMLElement;
  #active: OpenFile | undefined;
  #allowed = false;
  #allowedDetail = '';
  #participants: ParticipantInfo[] = [];

  constructor(options: EditorAreaOptions, empty: HTMLElement) {
    this.#options = options;
    this.#empty = empty;
    options.tabList.addEventListener('keydown', (event) => this.#onTabKey(event));
  }

  /** The file in the visible tab. */
  get active(): OpenFile | undefined {
    return this.#active;
  }

  get paths(): string[] {
    return [...this.#files.keys()];
  }

  get(path: string): OpenFile | undefined {
    return this.#files.get(path);
  }

  /** Shows a file, opening it with the agent first if it has no tab yet. */
  open(path: string, options: OpenOptions = {}): void {
    let file = this.#files.get(path);
    if (file && (file.status === 'gone' || file.status === 'error')) {
      // The person asks for the path again: it may exist anew; start over.
      this.#remove(file);
      file = undefined;
    }
    if (!file) {
      file = new OpenFile(path, this.#options, (closed) => this.close(closed));
      this.#files.set(path, file);
      file.tab.addEventListener('click', () => this.activate(path));
      this.#options.tabList.append(file.tabItem);
      this.#options.panes.append(file.pane);
      file.setAllowed(this.#allowed, this.#allowedDetail);
      file.updatePresence(this.#participants);
      this.#options.sendOpen(path);
    }
    this.activate(path);
    if (options.focus) file.focus();
  }

  /** Makes a tab the visible one. */
  activate(path: string): void {
    const file = this.#files.get(path);
    if (!file || file === this.#active) return;
    const previous = this.#active;
    if (previous) {
      previous.tab.setAttribute('aria-selected', 'false');
      previous.tab.tabIndex = -1;
      previous.tabItem.classList.remove('active');
      previous.pane.hidden = true;
    }
    this.#active = file;
    file.tab.setAttribute('aria-selected', 'true');
    file.tab.tabIndex = 0;
    file.tabItem.classList.add('active');
    file.pane.hidden = false;
    file.tab.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    file.shown();
    this.#empty.hidden = true;
    this.#options.onActivate(path);
  }

  /** Closes a tab and tells the agent. */
  close(path: string): void {
    const file = this.#files.get(path);
    if (!file) return;
    if (file.status !== 'gone' && file.status !== 'error') this.#options.sendClose(path);
    this.#remove(file);
  }

  /** `opened` from the agent. A file it opens that has no tab (none asked) is closed again. */
  opened(path: string, editable: boolean): void {
    const file = this.#files.get(path);
    if (file) file.opened(editable);
    else this.#options.sendClose(path);
  }

  /** Whether this participant may edit now, and why not, for every tab. */
  setAllowed(allowed: boolean, detail: string): void {
    this.#allowed = allowed;
    this.#allowedDetail = detail;
    for (const file of this.#files.values()) file.setAllowed(allowed, detail);
  }

  /** Our role changed: whether the agent now takes our edits. */
  roleChanged(mayEdit: boolean): void {
    for (const file of this.#files.values()) file.roleChanged(mayEdit);
  }

  /** The agent went away: every binding is dropped until the agent is back. */
  agentLost(): void {
    for (const file of this.#files.values()) file.agentLost();
  }

  /** The agent is back: opens every live tab again, each with a fresh document. */
  agentBack(): void {
    for (const file of this.#files.values()) {
      if (file.status === 'opening') this.#options.sendOpen(file.path);
    }
  }

  updatePresence(participants: ParticipantInfo[]): void {
    this.#participants = participants;
    for (const file of this.#files.values()) file.updatePresence(participants);
  }

  #remove(file: OpenFile): void {
    const tabs = [...this.#files.values()];
    const index = tabs.indexOf(file);
    this.#files.delete(file.path);
    file.destroy();
    if (file !== this.#active) return;
    this.#active = undefined;
    const next = tabs[index + 1] ?? tabs[index - 1];
    if (next && next !== file) {
      this.activate(next.path);
    } else {
      this.#empty.hidden = false;
      this.#options.onActivate(null);
    }
  }

  // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
  #onTabKey(event: KeyboardEvent): void {
    const tabs = [...this.#files.values()];
    const index = tabs.findIndex((file) => file.tab === event.target);
    if (index < 0) return;
    let next: OpenFile | undefined;
    if (event.key === 'ArrowRight') next = tabs[(index + 1) % tabs.length];
    else if (event.key === 'ArrowLeft') next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === 'Home') next = tabs[0];
    else if (event.key === 'End') next = tabs[tabs.length - 1];
    else if (event.key === 'Delete') {
      event.preventDefault();
      this.close(tabs[index]!.path);
      this.#active?.tab.focus();
      return;
    }
    if (!next) return;
    event.preventDefault();
    this.activate(next.path);
    next.tab.focus();
  }
}
