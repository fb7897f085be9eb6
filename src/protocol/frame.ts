/**
 * Length-prefixed frames over a byte stream (the TLS socket between guest and host).
 *
 * Layout, all integers big-endian:
 *
 *     u32 frameLength   bytes that follow this field
 *     u32 headerLength  bytes of the JSON header that follows
 *     header            UTF-8 JSON, validated against the message schemas by the channel
 *     body              the rest of the frame: opaque bytes (file content, later Yjs updates)
 *
 * A JSON header keeps messages readable and easy to validate; the binary body keeps file
 * transfer free of base64 overhead.
 */

/**
 * Largest frame a peer may send. Defends against a peer that makes us buffer without bound;
 * large enough for the first sync of the largest text document (5 MiB of text).
 */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Largest JSON header in a frame. Headers are small; a big one is an attack or a bug. */
export const MAX_HEADER_BYTES = 256 * 1024;

const LENGTH_BYTES = 4;

/** A frame as read off the wire, before schema validation. */
export interface RawFrame {
  header: unknown;
  body: Buffer;
}

/** Limits for a {@link FrameDecoder}. */
export interface FrameLimits {
  maxFrameBytes?: number;
  maxHeaderBytes?: number;
}

/** The peer sent bytes that are not a valid frame; the connection must be closed. */
export class FrameError extends Error {
  override name = 'FrameError';
  constructor(
    message: string,
    /** Wire error code for the close, from the shared table. */
    readonly code: 'frame_too_large' | 'malformed_message',
  ) {
    super(message);
  }
}

/** Encodes one frame. Throws RangeError when the frame would exceed `maxFrameBytes`. */
export function encodeFrame(
  header: object,
  body: Uint8Array = new Uint8Array(0),
  maxFrameBytes = MAX_FRAME_BYTES,
): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const frameLength = LENGTH_BYTES + headerBytes.length + body.length;
  if (frameLength > maxFrameBytes) {
    throw new RangeError(`frame of ${frameLength} bytes exceeds the limit of ${maxFrameBytes}`);
  }
  const out = Buffer.allocUnsafe(LENGTH_BYTES + frameLength);
  out.writeUInt32BE(frameLength, 0);
  out.writeUInt32BE(headerBytes.length, LENGTH_BYTES);
  headerBytes.copy(out, 2 * LENGTH_BYTES);
  out.set(body, 2 * LENGTH_BYTES + headerBytes.length);
  return out;
}

/**
 * Incremental decoder: feed it chunks as they arrive, take whole frames out. It checks the
 * announced length before buffering, so an oversized frame fails after four bytes rather
 * than after the peer has filled our memory.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #maxHeaderBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(limits: FrameLimits = {}) {
    this.#maxFrameBytes = limits.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.#maxHeaderBytes = limits.maxHeaderBytes ?? MAX_HEADER_BYTES;
  }

  /** Adds bytes and returns every frame now complete. Throws {@link FrameError}. */
  push(chunk: Buffer): RawFrame[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: RawFrame[] = [];
    for (;;) {
      if (this.#buffered < LENGTH_BYTES) break;
      const head = this.#peek(LENGTH_BYTES);
      const frameLength = head.readUInt32BE(0);
      if (frameLength > this.#maxFrameBytes) {
        throw new FrameError(
          `frame of ${frameLength} bytes exceeds the limit of ${this.#maxFrameBytes}`,
          'frame_too_large',
        );
      }
      if (frameLength < LENGTH_BYTES) {
        throw new FrameError(`frame length ${frameLength} is too short`, 'malformed_message');
      }
      if (this.#buffered < LENGTH_BYTES + frameLength) break;
      const frame = this.#take(LENGTH_BYTES + frameLength).subarray(LENGTH_BYTES);
      frames.push(this.#parse(frame));
    }
    return frames;
  }

  #parse(frame: Buffer): RawFrame {
    const headerLength = frame.readUInt32BE(0);
    if (headerLength > this.#maxHeaderBytes || LENGTH_BYTES + headerLength > frame.length) {
      throw new FrameError(`header length ${headerLength} is invalid`, 'malformed_message');
    }
    const headerText = frame.subarray(LENGTH_BYTES, LENGTH_BYTES + headerLength).toString('utf8');
    let header: unknown;
    try {
      header = JSON.parse(headerText);
    } catch {
      throw new FrameError('frame header is not valid JSON', 'malformed_message');
    }
    return { header, body: frame.subarray(LENGTH_BYTES + headerLength) };
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.#chunks);
    this.#chunks = [joined];
    return joined.subarray(0, n);
  }

  #take(n: number): Buffer {
    const joined = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const taken = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered -= n;
    return taken;
  }
}
