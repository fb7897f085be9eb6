import { MAX_TEXT_FILE_BYTES } from '../workspace/index.js';

/**
 * Most bytes of base texts a mirror keeps in memory. Threat: a large shared tree (or a host
 * sending one) holding a second copy of every file in the guest's memory. Past it the files
 * least recently written or read lose their base, and a local change to one of them is taken
 * as a change to the host's current text (a two-way merge, which can undo a host edit made in
 * the same instant).
 */
export const MAX_MIRROR_BASE_BYTES = 64 * 1024 * 1024;

/**
 * What each text file of the mirror held when the guest last wrote or read it: the base a local
 * change is measured from, so that it can be merged with the host's edits made meanwhile rather
 * than undo them. Only text-sized files without NUL bytes are kept (others are not merged), the
 * least recently used go first past the budget.
 */
export class MirrorBases {
  readonly #bases = new Map<string, Uint8Array>();
  readonly #budget: number;
  #bytes = 0;

  /** @param budget most bytes kept; defaults to {@link MAX_MIRROR_BASE_BYTES} */
  constructor(budget = MAX_MIRROR_BASE_BYTES) {
    if (!Number.isFinite(budget) || budget < 0) {
      throw new RangeError(`budget must be a finite number >= 0, got ${budget}`);
    }
    this.#budget = budget;
  }

  /** Records `content` as the base of `path` (or forgets the base when it cannot be text). */
  keep(path: string, content: Uint8Array): void {
    this.forget(path);
    const size = content.byteLength;
    if (size > MAX_TEXT_FILE_BYTES || size > this.#budget || content.includes(0)) return;
    // A copy: the caller's buffer may be a slice of a much larger frame.
    this.#bases.set(path, Uint8Array.prototype.slice.call(content));
    this.#bytes += size;
    for (const [oldest, bytes] of this.#bases) {
      if (this.#bytes <= this.#budget) break;
      this.#bases.delete(oldest);
      this.#bytes -= bytes.byteLength;
    }
  }

  /** The base of `path`, if kept; marks it recently used. */
  get(path: string): Uint8Array | undefined {
    const bytes = this.#bases.get(path);
    if (bytes === undefined) return undefined;
    this.#bases.delete(path);
    this.#bases.set(path, bytes);
    return bytes;
  }

  /** Forgets the base of `path`. */
  forget(path: string): void {
    const bytes = this.#bases.get(path);
    if (bytes === undefined) return;
    this.#bases.delete(path);
    this.#bytes -= bytes.byteLength;
  }
}
