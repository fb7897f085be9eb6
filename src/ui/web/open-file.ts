import type { ParticipantInfo } from '../protocol.js';
import { baseName, h, replaceChildren } from './dom.js';
import { FileEditor } from './file-editor.js';
import { PresenceAwareness, type CursorJson } from './presence-awareness.js';
import { SharedDocument } from './shared-doc.js';

/** Where an open file stands with the agent. */
export type OpenFileStatus =
  /** `open` sent, waiting for `opened` and the content. */
  | 'opening'
  /** Bound to the agent's document. */
  | 'open'
  /** The agent could not open it (`doc-error`). */
  | 'error'
  /** Its file went away on the host (`doc-gone`); the text is kept, read-only. */
  | 'gone';

/** What an open file needs from the page around it. */
export interface OpenFileContext {
  /** Sends one sync message for this file; false while the agent is unreachable. */
  sendDoc: (path: string, data: string) => void;
  clientId: () => number;
  /** Our cursor moved in this file's editor. */
  onCursor: (path: string, cursor: CursorJson | null) => void;
  /** Something the status bar or header shows changed (selection, editability, status). */
  onChange: (path: string) => void;
  /** The person asked to save a gone file's text under a new path. */
  onSaveAs: (from: string, to: string, content: string) => void;
}

let nextPaneId = 0;

/**
 * One tab: its tab button, its pane, and (once the agent answered) the shared document and
 * editor. The document is rebuilt from the agent on every `opened` after a lost agent, and
 * detached but kept when the file goes away on the host.
 */
export class OpenFile {
  readonly path: string;
  readonly tab: HTMLButtonElement;
  readonly tabItem: HTMLElement;
  readonly pane: HTMLElement;
  readonly #banner: HTMLElement;
  readonly #body: HTMLElement;
  readonly #context: OpenFileContext;
  #status: OpenFileStatus = 'opening';
  #document: SharedDocument | undefined;
  #awareness: PresenceAwareness | undefined;
  #editor: FileEditor | undefined;
  #agentEditable = false;
  #allowed = false;
  #permissionDetail = '';
  #detail = '';
  #participants: ParticipantInfo[] = [];
  /** A cursor to scroll to once the content has arrived (following someone). */
  #pendingReveal: unknown;
  #focusWhenReady = false;

  constructor(path: string, context: OpenFileContext, onClose: (path: string) => void) {
    this.path = path;
    this.#context = context;
    const paneId = `pane-${++nextPaneId}`;
    this.tab = h(
      'button',
      {
        class: 'tab',
        role: 'tab',
        type: 'button',
        'data-testid': 'tab',
        'data-path': path,
        'aria-selected': 'false',
        'aria-controls': paneId,
        tabindex: '-1',
        title: path,
        'aria-keyshortcuts': 'Delete',
      },
      h('span', { class: 'tab-name' }, baseName(path)),
    );
    this.tabItem = h(
      'div',
      {
        class: 'tab-item',
        role: 'presentation',
        on: { auxclick: (event) => event.button === 1 && onClose(path) },
      },
      this.tab,
      h(
        'button',
        {
          class: 'tab-close',
          type: 'button',
          'data-testid': 'tab-close',
          'aria-label': `Close ${path}`,
          title: 'Close',
          tabindex: '-1',
          on: { click: () => onClose(path) },
        },
        '×',
      ),
    );
    this.#banner = h('div', { class: 'pane-banner', hidden: true });
    this.#body = h('div', { class: 'pane-body' }, h('p', { class: 'pane-message' }, 'Opening…'));
    this.pane = h(
      'section',
      {
        id: paneId,
        class: 'pane',
        role: 'tabpanel',
        'data-testid': 'editor',
        'data-path': path,
        'aria-label': path,
        hidden: true,
      },
      this.#banner,
      this.#body,
    );
  }

  get status(): OpenFileStatus {
    return this.#status;
  }

  /** Why the file is read-only or unavailable, for the header; '' when it is editable. */
  get detail(): string {
    return this.#detail;
  }

  get editor(): FileEditor | undefined {
    return this.#editor;
  }

  /** Whether the person can change the text now. */
  get editable(): boolean {
    return this.#editor?.editable ?? false;
  }

  /** Our cursor in this file, for `presence`. */
  get cursor(): CursorJson | null {
    return this.#awareness?.cursor ?? null;
  }

  /** The file's text as the page has it. */
  get text(): string {
    return this.#document?.text.toString() ?? '';
  }

  /** `opened` from the agent: binds a fresh document, or updates whether we may edit. */
  opened(agentEditable: boolean): void {
    this.#agentEditable = agentEditable;
    if (this.#status === 'open' && this.#document) {
      this.#refreshEditable();
      return;
    }
    this.#teardown();
    this.#status = 'open';
    this.#banner.hidden = true;
    const path = this.path;
    const document = new SharedDocument(
      (data) => this.#context.sendDoc(path, data),
      () => this.#synced(),
    );
    this.#document = document;
    this.#awareness = new PresenceAwareness({
      path,
      clientId: this.#context.clientId,
      onCursor: (cursor) => this.#context.onCursor(path, cursor),
    });
    this.#awareness.update(this.#participants);
    replaceChildren(this.#body, h('p', { class: 'pane-message' }, 'Loading…'));
    document.start();
  }

  /** A sync message from the agent; throws on a malformed one. */
  receive(data: string): void {
    if (this.#status !== 'open') return;
    this.#document?.receive(data);
  }

  /** `doc-error`: the agent cannot open this file (binary, too large, refused). */
  failed(message: string): void {
    this.#teardown();
    this.#status = 'error';
    this.#detail = 'cannot be opened';
    this.#banner.hidden = true;
    replaceChildren(
      this.#body,
      h('p', { class: 'pane-message error' }, `This file cannot be opened: ${message}`),
    );
    this.#context.onChange(this.path);
  }

  /** `doc-gone`: keeps the text read-only and offers to save it as a new file. */
  gone(reason: string): void {
    if (this.#status === 'gone') return;
    if (this.#status !== 'open' || !this.#document?.synced) {
      this.failed(`it was deleted or renamed on the host (${reason})`);
      return;
    }
    this.#status = 'gone';
    this.#document.detach();
    this.tab.classList.add('gone');
    this.#refreshEditable();
    const input = h('input', {
      type: 'text',
      class: 'text-input',
      'data-testid': 'save-as-path',
      'aria-label': 'Path of the new file',
      value: this.path,
      spellcheck: 'false',
    });
    const save = (): void => {
      const to = input.value.trim();
      if (to !== '') this.#context.onSaveAs(this.path, to, this.text);
    };
    replaceChildren(
      this.#banner,
      h(
        'p',
        { class: 'banner-text' },
        h('strong', {}, 'Deleted or renamed on the host. '),
        `The text below is kept here, read-only (${reason}).`,
      ),
      h(
        'form',
        {
          class: 'save-as',
          on: {
            submit: (event) => {
              event.preventDefault();
              save();
            },
          },
        },
        input,
        h(
          'button',
          { type: 'submit', class: 'button primary', 'data-testid': 'save-as' },
          'Save as new file',
        ),
      ),
    );
    this.#banner.hidden = false;
    this.#context.onChange(this.path);
  }

  /**
   * Our role changed. The agent answers `opened` once per open file, with the role of that
   * moment; after a change the role alone says whether the agent takes our edits.
   */
  roleChanged(mayEdit: boolean): void {
    this.#agentEditable = mayEdit;
    this.#refreshEditable();
  }

  /** Whether this participant may edit at all now (role, agent reachable, session live). */
  setAllowed(allowed: boolean, detail: string): void {
    this.#allowed = allowed;
    this.#permissionDetail = detail;
    this.#refreshEditable();
  }

  /** The agent went away: drop the binding; the next `opened` rebuilds it. */
  agentLost(): void {
    if (this.#status === 'open' || this.#status === 'opening') {
      // Keep showing the text until the agent answers again; it is read-only meanwhile.
      this.#document?.detach();
      this.#status = 'opening';
    }
  }

  /** Everyone's presence; carets are drawn for those in this file. */
  updatePresence(participants: ParticipantInfo[]): void {
    this.#participants = participants;
    this.#awareness?.update(participants);
  }

  /** Scrolls to a participant's cursor now or, if the content is not here yet, once it is. */
  reveal(cursor: unknown): void {
    if (this.#editor && this.#document?.synced) this.#editor.reveal(cursor);
    else this.#pendingReveal = cursor;
  }

  /** Moves focus into the editor now, or once it exists. */
  focus(): void {
    if (this.#editor) this.#editor.focus();
    else this.#focusWhenReady = true;
  }

  /** The pane became visible: CodeMirror measures again. */
  shown(): void {
    this.#editor?.view.requestMeasure();
  }

  destroy(): void {
    this.#teardown();
    this.tabItem.remove();
    this.pane.remove();
  }

  #synced(): void {
    const document = this.#document;
    const awareness = this.#awareness;
    if (!document || !awareness) return;
    this.#body.replaceChildren();
    this.#editor = new FileEditor({
      path: this.path,
      document,
      awareness,
      parent: this.#body,
      editable: false,
      onSelection: () => this.#context.onChange(this.path),
    });
    this.#refreshEditable();
    if (this.#pendingReveal !== undefined) {
      this.#editor.reveal(this.#pendingReveal);
      this.#pendingReveal = undefined;
    }
    if (this.#focusWhenReady) {
      this.#focusWhenReady = false;
      this.#editor.focus();
    }
  }

  #refreshEditable(): void {
    const synced = this.#document?.synced === true && !this.#document.detached;
    const editable = this.#allowed && this.#agentEditable && this.#status === 'open' && synced;
    if (this.#status === 'gone') this.#detail = 'deleted or renamed on the host';
    else if (this.#status === 'error') this.#detail = 'cannot be opened';
    else if (!this.#allowed) this.#detail = this.#permissionDetail;
    else if (!this.#agentEditable) this.#detail = 'the host does not allow editing it';
    else if (!synced) this.#detail = 'loading';
    else this.#detail = '';
    this.#editor?.setEditable(editable);
    this.#context.onChange(this.path);
  }

  #teardown(): void {
    this.#editor?.destroy();
    this.#editor = undefined;
    this.#awareness?.destroy();
    this.#awareness = undefined;
    this.#document?.destroy();
    this.#document = undefined;
  }
}
