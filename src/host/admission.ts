import type { Role } from '../protocol/messages.js';

/** Guests that may wait for the host's decision at once. Stops a leaked link flooding the host. */
export const MAX_PENDING_GUESTS = 8;

/** What the host decided about a guest. */
export type AdmissionDecision = { admit: true; role: Role } | { admit: false };

/**
 * Who is waiting, who was let in, and with which role, keyed by certificate fingerprint.
 * A guest that comes back with the same certificate within the session is readmitted with its
 * role (DESIGN.md, step 7); one the host removed is asked about again.
 */
export class AdmissionBook {
  readonly #maxPending: number;
  readonly #pending = new Map<string, (decision: AdmissionDecision) => void>();
  readonly #admittedRoles = new Map<string, Role>();
  /** Certificates the host removed; only the host's own actions add to it. */
  readonly #removed = new Set<string>();

  constructor(maxPending = MAX_PENDING_GUESTS) {
    this.#maxPending = maxPending;
  }

  /** The role a returning guest had, if the host admitted that certificate before. */
  roleOf(fingerprint: string): Role | undefined {
    return this.#admittedRoles.get(fingerprint);
  }

  /** Whether another request may wait for a decision. */
  hasRoomForPending(): boolean {
    return this.#pending.size < this.#maxPending;
  }

  /** Registers a waiting request; the promise settles when {@link decide} is called for `id`. */
  wait(id: string): Promise<AdmissionDecision> {
    return new Promise((resolve) => this.#pending.set(id, resolve));
  }

  /**
   * Settles a waiting request. Returns false when `id` is not waiting (already decided or
   * gone).
   */
  decide(id: string, decision: AdmissionDecision): boolean {
    const settle = this.#pending.get(id);
    if (!settle) return false;
    this.#pending.delete(id);
    settle(decision);
    return true;
  }

  /** Whether `id` is waiting for a decision. */
  isPending(id: string): boolean {
    return this.#pending.has(id);
  }

  /** Records an admission, so the same certificate is readmitted after a reconnect. */
  remember(fingerprint: string, role: Role): void {
    this.#admittedRoles.set(fingerprint, role);
    this.#removed.delete(fingerprint);
  }

  /**
   * Forgets a certificate: the host removed that guest, so it must be asked about again, even
   * where everyone else is admitted without asking (`--approve auto`).
   */
  forget(fingerprint: string): void {
    this.#admittedRoles.delete(fingerprint);
    this.#removed.add(fingerprint);
  }

  /** Whether the host removed this certificate and has not admitted it again since. */
  wasRemoved(fingerprint: string): boolean {
    return this.#removed.has(fingerprint);
  }
}
