import { ENDED_TOMBSTONE_TTL_MS, MAX_TOMBSTONES } from './limits.js';
import type { SessionLookup, SessionRecord, SessionStore } from './session-store.js';

/** Options for {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** How long an ended session is remembered; defaults to {@link ENDED_TOMBSTONE_TTL_MS}. */
  tombstoneTtlMs?: number;
  /** Tombstones kept at most; defaults to {@link MAX_TOMBSTONES}. */
  maxTombstones?: number;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/** The single-process session store: two maps, one for live sessions, one for tombstones. */
export class MemorySessionStore implements SessionStore {
  readonly #live = new Map<string, SessionRecord>();
  /** Session id to expiry time. Insertion order is expiry order, as the TTL is constant. */
  readonly #tombstones = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxTombstones: number;
  readonly #now: () => number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#ttlMs = options.tombstoneTtlMs ?? ENDED_TOMBSTONE_TTL_MS;
    this.#maxTombstones = options.maxTombstones ?? MAX_TOMBSTONES;
    this.#now = options.now ?? Date.now;
  }

  async create(record: SessionRecord, maxLive: number): Promise<boolean> {
    if (this.#live.has(record.sessionId) || this.#tombstones.has(record.sessionId)) {
      throw new RangeError(`Session id already used: ${record.sessionId}`);
    }
    if (this.#live.size >= maxLive) return false;
    this.#live.set(record.sessionId, structuredClone(record));
    return true;
  }

  async get(sessionId: string): Promise<SessionLookup> {
    const session = this.#live.get(sessionId);
    if (session) return { status: 'live', session: structuredClone(session) };
    this.#sweep();
    return this.#tombstones.has(sessionId) ? { status: 'ended' } : { status: 'unknown' };
  }

  async end(sessionId: string): Promise<boolean> {
    if (!this.#live.delete(sessionId)) return false;
    this.#sweep();
    this.#tombstones.set(sessionId, this.#now() + this.#ttlMs);
    for (const oldest of this.#tombstones.keys()) {
      if (this.#tombstones.size <= this.#maxTombstones) break;
      this.#tombstones.delete(oldest);
    }
    return true;
  }

  async countLive(): Promise<number> {
    return this.#live.size;
  }

  async close(): Promise<void> {
    this.#live.clear();
    this.#tombstones.clear();
  }

  /** Drops expired tombstones. They expire in insertion order: stop at the first live one. */
  #sweep(): void {
    const now = this.#now();
    for (const [sessionId, expiresAt] of this.#tombstones) {
      if (expiresAt > now) break;
      this.#tombstones.delete(sessionId);
    }
  }
}
