import type { AgentMessage, AppState, PageMessage, ParticipantInfo } from '../protocol.js';
import { AgentSocket, agentSocketUrl } from './agent-socket.js';
import { confirmAction } from './confirm-dialog.js';
import { EditorArea } from './editor-area.js';
import { FileOps } from './file-ops.js';
import { FileTree } from './file-tree.js';
import { Follower } from './follower.js';
import { GuestsPanel } from './guests-panel.js';
import { Header } from './header.js';
import { JoinRequestDialog } from './join-request-dialog.js';
import { languageFor } from './languages.js';
import { ParticipantsPanel } from './participants-panel.js';
import type { PageLayout } from './page-layout.js';
import { mayEdit } from './permissions.js';
import type { CursorJson } from './presence-awareness.js';
import { Screens } from './screens.js';
import { StatusBar } from './status-bar.js';
import { Toasts } from './toasts.js';

/** Cursor moves are sent at most this often; the last position always goes out. */
export const PRESENCE_INTERVAL_MS = 50;

/** Shown when the page's agent stopped answering: this page's address will not work again. */
const AGENT_GONE_MESSAGE =
  'The Tandem agent for this page does not answer: it stopped, or it restarted with a new ' +
  'address. Open the address Tandem printed; this page keeps trying meanwhile.';

/**
 * The page: one socket to the agent, and the parts of the screen it feeds. Messages from the
 * agent are routed here; the parts call back through small option bags, never each other.
 */
export class App {
  readonly #layout: PageLayout;
  readonly #socket: AgentSocket;
  readonly #toasts: Toasts;
  readonly #header: Header;
  readonly #status: StatusBar;
  readonly #screens: Screens;
  readonly #tree: FileTree;
  readonly #fileOps: FileOps;
  readonly #editors: EditorArea;
  readonly #participantsPanel: ParticipantsPanel;
  readonly #guests: GuestsPanel;
  readonly #requests: JoinRequestDialog;
  readonly #follower: Follower;
  #state: AppState | undefined;
  #participants: ParticipantInfo[] = [];
  #agentOnline = false;
  #agentLost = false;
  #agentGone = false;
  #treeStarted = false;
  #presenceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(layout: PageLayout) {
    this.#layout = layout;
    const notify = (level: 'info' | 'error', message: string): void =>
      this.#toasts.show(level, message);
    this.#toasts = new Toasts(layout.toasts);
    this.#header = new Header(layout.header, {
      summon: () => {
        if (this.#send({ t: 'summon' })) notify('info', 'Everyone was asked to follow you.');
      },
      end: () => void this.#endSession(),
      leave: () => this.#send({ t: 'leave' }),
      review: () => this.#requests.review(),
      notify,
    });
    this.#status = new StatusBar(layout.status);
    this.#screens = new Screens(layout.gate, layout.ended);
    this.#tree = new FileTree({
      root: layout.tree,
      sendList: (path, limit) => this.#send({ t: 'list', path, limit }),
      onOpen: (path) => this.#editors.open(path, { focus: true }),
      onSelect: (selection) => this.#fileOps.selectionChanged(selection),
    });
    this.#fileOps = new FileOps({
      toolbar: layout.treeToolbar,
      form: layout.nameForm,
      tree: this.#tree,
      send: (message) => this.#send(message),
      notify,
      onCreated: (path) => this.#editors.open(path, { focus: true }),
      onRenamed: (from, to) => this.#moveTabs(from, to),
      onDeleted: (path) => this.#closeTabsUnder(path),
      onSavedAs: (from, to) => {
        this.#editors.close(from);
        this.#editors.open(to, { focus: true });
      },
    });
    this.#editors = new EditorArea(
      {
        tabList: layout.tabs,
        panes: layout.panes,
        sendOpen: (path) => this.#send({ t: 'open', path }),
        sendClose: (path) => this.#send({ t: 'close', path }),
        sendDoc: (path, data) => this.#send({ t: 'doc', path, data }),
        clientId: () => this.#state?.clientId ?? -1,
        onActivate: (path) => this.#activated(path),
        onCursor: (path) => {
          if (path === this.#editors.active?.path) this.#schedulePresence();
        },
        onChange: (path) => {
          if (path === this.#editors.active?.path) this.#renderActive();
        },
        onSaveAs: (from, to, content) => this.#fileOps.saveAs(from, to, content),
      },
      layout.empty,
    );
    this.#participantsPanel = new ParticipantsPanel({
      root: layout.participants,
      onFollow: (clientId) => this.#follower.follow(clientId),
      onOpenFile: (path) => this.#editors.open(path),
    });
    this.#guests = new GuestsPanel({ root: layout.guests, send: (m) => this.#send(m) });
    this.#requests = new JoinRequestDialog(
      (message) => this.#send(message),
      (waiting) => this.#header.setWaiting(waiting),
    );
    this.#follower = new Follower({
      sendFollow: (clientId) => this.#send({ t: 'follow', clientId }),
      showFile: (path) => this.#editors.open(path),
      reveal: (path, cursor) => this.#editors.get(path)?.reveal(cursor),
      notify,
      onChange: () => this.#renderParticipants(),
    });
    this.#render();
    this.#socket = new AgentSocket({
      url: agentSocketUrl(location.href),
      onMessage: (message) => this.#receive(message),
      onLink: (open) => this.#linkChanged(open),
      onGone: () => {
        this.#agentGone = true;
        this.#toasts.show('error', AGENT_GONE_MESSAGE);
        this.#renderStatus();
      },
    });
  }

  /** The text of an open file as this page has it, or null if it is not open. */
  text(path: string): string | null {
    const file = this.#editors.get(path);
    return file ? file.text : null;
  }

  #send(message: PageMessage): boolean {
    return this.#socket.send(message);
  }

  #receive(message: AgentMessage): void {
    switch (message.t) {
      case 'state':
        return this.#stateChanged(message.state);
      case 'guests':
        this.#guests.render(message.guests);
        if (this.#state?.connection !== 'ended') this.#requests.update(message.requests);
        return;
      case 'presence':
        return this.#presenceChanged(message.participants);
      case 'listing':
        return this.#tree.listed(message.path, message.entries, message.truncated);
      case 'tree-changed':
        return this.#tree.changed(message.paths);
      case 'opened':
        return this.#editors.opened(message.path, message.editable);
      case 'doc':
        try {
          this.#editors.get(message.path)?.receive(message.data);
        } catch (error) {
          this.#toasts.show(
            'error',
            `${message.path} could not be updated (${String(error)}); close and open it again.`,
          );
        }
        return;
      case 'doc-error': {
        const file = this.#editors.get(message.path);
        if (file) file.failed(message.message);
        else this.#toasts.show('error', `${message.path}: ${message.message}`);
        return;
      }
      case 'doc-gone': {
        const file = this.#editors.get(message.path);
        if (!file) return;
        file.gone(message.reason);
        this.#toasts.show(
          'info',
          `${message.path} was deleted or renamed on the host; its text is kept in its tab.`,
        );
        return;
      }
      case 'op-result':
        return this.#fileOps.result(message.ref, message.ok, message.message);
      case 'summoned':
        return this.#summoned(message.clientId, message.name);
      case 'notice':
        return this.#toasts.show(message.level === 'error' ? 'error' : 'info', message.message);
    }
  }

  #linkChanged(open: boolean): void {
    if (open === this.#agentOnline) {
      this.#render();
      return;
    }
    this.#agentOnline = open;
    if (open) {
      this.#agentGone = false;
      this.#toasts.dismiss(AGENT_GONE_MESSAGE);
      if (this.#agentLost) {
        // A new page session on the agent: it knows none of our documents or listings.
        this.#agentLost = false;
        this.#editors.agentBack();
        if (this.#treeStarted) this.#tree.start();
        this.#reportPresence();
        const following = this.#follower.following;
        if (following !== null) this.#send({ t: 'follow', clientId: following });
      }
    } else {
      this.#agentLost = true;
      this.#editors.agentLost();
    }
    this.#render();
  }

  #stateChanged(state: AppState): void {
    const previous = this.#state;
    this.#state = state;
    window.tandemReady = true;
    if (previous && previous.role !== state.role) this.#editors.roleChanged(mayEdit(state.role));
    const admitted = state.kind === 'host' || state.role !== undefined;
    const live = state.connection === 'connected' || state.connection === 'reconnecting';
    if (admitted && live && !this.#treeStarted) {
      this.#treeStarted = true;
      this.#tree.start();
      this.#reportPresence();
    } else if (previous?.connection === 'reconnecting' && state.connection === 'connected') {
      // Back with the host after a gap: what is on screen may be stale.
      this.#tree.start();
    }
    if (state.connection === 'ended') {
      this.#socket.stop();
      this.#requests.clear();
    }
    this.#render();
  }

  #presenceChanged(participants: ParticipantInfo[]): void {
    this.#participants = participants;
    this.#editors.updatePresence(participants);
    this.#follower.presence(participants);
    this.#renderParticipants();
    this.#renderStatus();
  }

  #summoned(clientId: number, name: string): void {
    if (clientId === this.#state?.clientId) return;
    this.#follower.follow(clientId);
    this.#toasts.show('info', `${name} asked everyone to follow them. Press Following to stop.`);
  }

  async #endSession(): Promise<void> {
    const yes = await confirmAction({
      title: 'End the session?',
      message: 'Every guest is disconnected and the join link stops working.',
      confirmLabel: 'End session',
    });
    if (yes) this.#send({ t: 'end' });
  }

  #activated(path: string | null): void {
    this.#tree.setActiveFile(path);
    this.#renderParticipants();
    this.#reportPresence();
    this.#renderActive();
  }

  /** Moves the tabs of a renamed file or folder to their new paths. */
  #moveTabs(from: string, to: string): void {
    const active = this.#editors.active?.path;
    for (const path of this.#editors.paths) {
      if (path !== from && !path.startsWith(`${from}/`)) continue;
      const moved = to + path.slice(from.length);
      this.#editors.close(path);
      this.#editors.open(moved);
      if (path === active) this.#editors.activate(moved);
    }
    if (active !== undefined && this.#editors.get(active)) this.#editors.activate(active);
  }

  #closeTabsUnder(deleted: string): void {
    for (const path of this.#editors.paths) {
      if (path === deleted || path.startsWith(`${deleted}/`)) this.#editors.close(path);
    }
  }

  #schedulePresence(): void {
    if (this.#presenceTimer !== undefined) return;
    this.#presenceTimer = setTimeout(() => this.#reportPresence(), PRESENCE_INTERVAL_MS);
  }

  /** Tells the agent which file we look at and where our cursor is. */
  #reportPresence(): void {
    clearTimeout(this.#presenceTimer);
    this.#presenceTimer = undefined;
    const state = this.#state;
    if (!state || state.connection === 'ended' || !this.#treeStarted) return;
    const active = this.#editors.active;
    const cursor: CursorJson | null = active?.cursor ?? null;
    this.#send({ t: 'presence', file: active?.path ?? null, cursor });
  }

  #render(): void {
    const state = this.#state;
    if (state) this.#header.update(state);
    const gated = this.#screens.update(state, this.#editors.paths.length > 0);
    this.#layout.workspace.hidden = gated;
    const isHost = state?.kind === 'host';
    this.#layout.guestsSection.hidden = !isHost;
    const live = state !== undefined && state.connection !== 'ended';
    this.#fileOps.setAllowed(live && mayEdit(state.role));
    let detail = '';
    if (!state) detail = 'connecting';
    else if (state.connection === 'ended') detail = 'the session has ended';
    else if (!this.#agentOnline) detail = 'not connected to the Tandem agent';
    else if (!mayEdit(state.role)) detail = 'your role is read-only';
    this.#editors.setAllowed(detail === '', detail);
    this.#renderParticipants();
    this.#renderActive();
  }

  #renderParticipants(): void {
    this.#participantsPanel.render(
      this.#participants,
      this.#follower.following,
      this.#editors.active?.path ?? null,
    );
  }

  /** The editor header (path, read-only badge) and the status bar follow the active tab. */
  #renderActive(): void {
    const active = this.#editors.active;
    const { editorHeader, editorPath, readOnly } = this.#layout;
    editorHeader.hidden = !active;
    editorPath.textContent = active?.path ?? '';
    const detail = active?.detail ?? '';
    // While the text is on its way there is nothing to type into yet: no badge.
    const loading =
      active !== undefined &&
      !active.editor &&
      (active.status === 'open' || active.status === 'opening');
    readOnly.hidden = !active || loading || active.editable || active.status === 'error';
    readOnly.title = detail === '' ? 'Read-only' : `Read-only: ${detail}`;
    this.#layout.readOnlyDetail.textContent = detail === '' ? '' : detail;
    this.#renderStatus();
  }

  #renderStatus(): void {
    const active = this.#editors.active;
    const position = active?.editor?.position();
    this.#status.update({
      state: this.#state,
      agentOnline: this.#agentOnline,
      agentGone: this.#agentGone,
      participants: this.#participants.length,
      ...(active && position
        ? { file: { language: languageFor(active.path).name, ...position } }
        : {}),
    });
  }
}
