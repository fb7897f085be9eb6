import type { HostAgent } from '../host/agent.js';
import type { HostEvent } from '../host/events.js';
import type { FileOp } from '../protocol/messages.js';
import { baseName, Broadcaster, type BackendDocument, type UiBackend } from './backend.js';
import type { AgentMessage, AppState, ListingEntry, ParticipantInfo } from './protocol.js';

/** Options for {@link HostBackend}. */
export interface HostBackendOptions {
  /** The session's name, as guests see it. */
  name: string;
}

/** The host agent as its page sees it. Feed it the agent's events with {@link onEvent}. */
export class HostBackend implements UiBackend {
  readonly kind = 'host';
  readonly #host: HostAgent;
  readonly #name: string;
  readonly #out = new Broadcaster();
  #ended: string | undefined;

  constructor(host: HostAgent, options: HostBackendOptions) {
    this.#host = host;
    this.#name = options.name;
    host.local.onTreeChange((paths) => this.#out.send({ t: 'tree-changed', paths }));
    host.local.onDocumentGone((path, reason) => this.#out.send({ t: 'doc-gone', path, reason }));
  }

  /** Passes on one of the host agent's events. */
  onEvent(event: HostEvent): void {
    switch (event.event) {
      case 'presence':
        this.#out.send({ t: 'presence', participants: this.participants() });
        return;
      case 'ended':
        this.#ended = event.reason;
        this.#out.send({ t: 'state', state: this.state() });
        return;
      case 'join-request':
      case 'joined':
      case 'denied':
      case 'role':
      case 'removed':
      case 'left':
        this.#out.send(this.guests());
        return;
      default:
        return;
    }
  }

  state(): AppState {
    return {
      kind: 'host',
      name: this.#name,
      sessionName: this.#name,
      link: this.#host.link,
      role: 'host',
      connection: this.#ended === undefined ? 'connected' : 'ended',
      ...(this.#ended === undefined ? {} : { detail: this.#ended }),
      clientId: this.#host.local.clientId,
    };
  }

  guests(): Extract<AgentMessage, { t: 'guests' }> {
    const { admitted, waiting } = this.#host.guests();
    return { t: 'guests', guests: admitted, requests: waiting };
  }

  participants(): ParticipantInfo[] {
    return this.#host.local.participants();
  }

  async list(
    path: string,
    limit: number,
  ): Promise<{ entries: ListingEntry[]; truncated: boolean }> {
    const { entries, truncated } = await this.#host.local.list(path, limit);
    return {
      entries: entries.map((entry) => ({
        name: baseName(entry.path),
        path: entry.path,
        kind: entry.kind,
        size: entry.size,
      })),
      truncated,
    };
  }

  openDocument(path: string): Promise<BackendDocument> {
    return this.#host.local.openDocument(path);
  }

  closeDocument(path: string): Promise<void> {
    return this.#host.local.closeDocument(path);
  }

  canEdit(): boolean {
    return this.#ended === undefined;
  }

  canChangeFiles(): boolean {
    return this.#ended === undefined;
  }

  setPresence(file: string | null, cursor: unknown): void {
    this.#host.local.setPresence(file, cursor);
  }

  follow(clientId: number | null): void {
    this.#host.local.follow(clientId);
  }

  fileOp(op: FileOp, path: string, options: { to?: string; content?: Uint8Array }): Promise<void> {
    return this.#host.local.fileOp(op, path, options);
  }

  get host(): UiBackend['host'] {
    const host = this.#host;
    return {
      approve: (id, role) => host.approve(id, role),
      deny: (id) => host.deny(id),
      setRole: (id, role) => host.setRole(id, role),
      remove: (id) => host.remove(id),
      summon: () => host.summon(),
      end: () => host.end(),
    };
  }

  leave(): void {
    void this.#host.end();
  }

  subscribe(listener: (message: AgentMessage) => void): () => void {
    return this.#out.subscribe(listener);
  }
}
