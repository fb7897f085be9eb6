import type { GuestAgent } from '../guest/agent.js';
import type { GuestEvent } from '../guest/events.js';
import type { FileOp } from '../protocol/messages.js';
import { can, type GuestAction } from '../workspace/index.js';
import { Broadcaster, type BackendDocument, type UiBackend } from './backend.js';
import type { AgentMessage, AppState, ListingEntry, ParticipantInfo } from './protocol.js';

/** How long opening a document waits for the host's content. */
export const OPEN_DOCUMENT_TIMEOUT_MS = 30_000;

/** Options for {@link GuestBackend}. */
export interface GuestBackendOptions {
  /** The guest's name. */
  name: string;
}

interface PendingOpen {
  reject(error: Error): void;
}

/**
 * The guest agent as its page sees it. It exists before the agent does, so that the page can
 * show the connection and the PIN while joining: feed it the agent's events with
 * {@link onEvent} and hand it the agent with {@link attach} once `joinSession` returns.
 */
export class GuestBackend implements UiBackend {
  readonly kind = 'guest';
  readonly host = undefined;
  readonly #out = new Broadcaster();
  readonly #pendingOpens = new Map<string, Set<PendingOpen>>();
  #agent: GuestAgent | undefined;
  #state: AppState;

  constructor(options: GuestBackendOptions) {
    this.#state = {
      kind: 'guest',
      name: options.name,
      sessionName: '',
      role: undefined,
      connection: 'connecting',
      clientId: 0,
    };
  }

  /** Starts serving the joined agent's documents, tree and presence. */
  attach(agent: GuestAgent): void {
    this.#agent = agent;
    this.#update({ clientId: agent.collaboration.awareness.clientID });
    agent.tree.onChange((paths) => this.#out.send({ t: 'tree-changed', paths }));
  }

  /** Passes on one of the guest agent's events. */
  onEvent(event: GuestEvent): void {
    switch (event.event) {
      case 'connected':
        return this.#update({ sessionName: event.sessionName, via: event.via });
      case 'pin':
        return this.#update({ pin: event.pin, via: event.via });
      case 'waiting':
        return this.#update({ connection: 'waiting' });
      case 'approved':
        return this.#update({ connection: 'connected', role: event.role });
      case 'role':
        return this.#update({ role: event.role });
      case 'reconnecting':
        return this.#update({ connection: 'reconnecting' });
      case 'ended':
        return this.#update({ connection: 'ended', detail: event.reason });
      case 'denied':
      case 'removed':
        return this.#update({ connection: 'ended', detail: event.message });
      case 'presence':
        this.#out.send({ t: 'presence', participants: this.participants() });
        return;
      case 'summoned':
        this.#out.send({ t: 'summoned', clientId: event.clientId, name: event.name });
        return;
      case 'doc-gone':
        this.#out.send({ t: 'doc-gone', path: event.path, reason: event.reason });
        return;
      case 'refused':
        if (event.path) this.#failOpen(event.path, event.message);
        this.#out.send({ t: 'notice', level: 'error', message: event.message });
        return;
      case 'reverted':
        this.#out.send({ t: 'notice', level: 'error', message: event.message });
        return;
      case 'error':
        this.#out.send({ t: 'notice', level: 'error', message: event.message });
        return;
      default:
        return;
    }
  }

  /** Marks the session over for this guest, with the reason. */
  finish(detail: string): void {
    if (this.#state.connection !== 'ended') this.#update({ connection: 'ended', detail });
  }

  state(): AppState {
    return this.#state;
  }

  guests(): undefined {
    return undefined;
  }

  participants(): ParticipantInfo[] {
    return this.#agent?.collaboration.participants() ?? [];
  }

  async list(
    path: string,
    limit: number,
  ): Promise<{ entries: ListingEntry[]; truncated: boolean }> {
    const entries = this.#agent?.tree.list(path) ?? [];
    return { entries: entries.slice(0, limit), truncated: entries.length > limit };
  }

  async openDocument(path: string): Promise<BackendDocument> {
    const collaboration = this.#connected().collaboration;
    const document = collaboration.open(path);
    let timer: NodeJS.Timeout | undefined;
    let pending: PendingOpen | undefined;
    try {
      await Promise.race([
        document.synced,
        new Promise<never>((_, reject) => {
          pending = { reject };
          let set = this.#pendingOpens.get(path);
          if (!set) this.#pendingOpens.set(path, (set = new Set()));
          set.add(pending);
          timer = setTimeout(
            () => reject(new Error(`The host did not send ${path} in time; try again.`)),
            OPEN_DOCUMENT_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      collaboration.close(path);
      throw error;
    } finally {
      clearTimeout(timer);
      if (pending) this.#pendingOpens.get(path)?.delete(pending);
    }
    return { path, doc: document.doc };
  }

  async closeDocument(path: string): Promise<void> {
    this.#agent?.collaboration.close(path);
  }

  canEdit(): boolean {
    return this.#may('edit-document');
  }

  canChangeFiles(): boolean {
    return this.#may('create');
  }

  #may(action: GuestAction): boolean {
    const { role, connection } = this.#state;
    // Edits made while reconnecting are kept and merge when the link is back.
    const inSession = connection === 'connected' || connection === 'reconnecting';
    return inSession && role !== undefined && role !== 'host' ? can(role, action) : false;
  }

  setPresence(file: string | null, cursor: unknown): void {
    this.#agent?.collaboration.setPresence(file, cursor);
    // Our own entry changed too; the agent reports only what the host relays.
    this.#out.send({ t: 'presence', participants: this.participants() });
  }

  follow(clientId: number | null): void {
    this.#agent?.collaboration.awareness.setLocalStateField('following', clientId);
    this.#out.send({ t: 'presence', participants: this.participants() });
  }

  fileOp(op: FileOp, path: string, options: { to?: string; content?: Uint8Array }): Promise<void> {
    return this.#connected().collaboration.fileOp(op, path, options);
  }

  leave(): void {
    this.#agent?.leave();
  }

  subscribe(listener: (message: AgentMessage) => void): () => void {
    return this.#out.subscribe(listener);
  }

  #connected(): GuestAgent {
    if (!this.#agent) throw new Error('Not in the session yet; wait for the host to approve.');
    return this.#agent;
  }

  #failOpen(path: string, message: string): void {
    for (const pending of this.#pendingOpens.get(path) ?? []) pending.reject(new Error(message));
    this.#pendingOpens.delete(path);
  }

  #update(change: Partial<AppState>): void {
    this.#state = { ...this.#state, ...change };
    this.#out.send({ t: 'state', state: this.#state });
  }
}
