import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { WorkspaceLimitError } from './errors.js';

/**
 * Largest file treated as text (opened as a shared document). Threat: a huge "text" file turned
 * into a collaborative document exhausting memory on the host and on every guest. Larger files
 * are shown as too large, never truncated.
 */
export const MAX_TEXT_FILE_BYTES = 5 * 1024 * 1024;

/** How many leading bytes {@link isProbablyBinary} inspects, as git does. */
export const BINARY_SNIFF_BYTES = 8 * 1024;

/** Default chunk size of {@link readFileChunks}. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/**
 * Largest chunk {@link readFileChunks} will produce. Threat: a caller asking for one giant chunk
 * and turning a streamed read back into a whole-file allocation.
 */
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;

/** Options for {@link readFileChunks}. */
export interface ReadChunksOptions {
  /** Bytes per chunk (the last may be shorter); defaults to {@link DEFAULT_CHUNK_SIZE}. */
  chunkSize?: number;
  /** Fail with {@link WorkspaceLimitError} once more than this many bytes were read. */
  maxBytes?: number;
  /** Stops reading with the signal's reason. */
  signal?: AbortSignal;
}

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; it changes
// nothing for regular files. Windows has no such flag and no FIFOs to fear.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Streams a regular file's bytes in fresh chunks (each may be kept by the caller).
 *
 * @param absPath an absolute path, normally from `resolveInside`
 * @throws {RangeError} for a chunk size that is not an integer from 1 to {@link MAX_CHUNK_SIZE}
 * @throws {Error} when the path is not a regular file (a FIFO or device would block or never end)
 * @throws {WorkspaceLimitError} when the file holds more than `maxBytes`
 * @example
 * for await (const chunk of readFileChunks(abs)) send(chunk);
 */
export async function* readFileChunks(
  absPath: string,
  options: ReadChunksOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(
      `chunkSize must be an integer from 1 to ${MAX_CHUNK_SIZE}, got ${chunkSize}`,
    );
  }
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const handle = await open(absPath, OPEN_FLAGS);
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${absPath} is not a regular file.`);
    let total = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const buffer = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
      if (bytesRead === 0) return;
      total += bytesRead;
      if (total > maxBytes) {
        throw new WorkspaceLimitError(
          'maxBytes',
          maxBytes,
          `${absPath} holds more than ${maxBytes} bytes; it cannot be read whole.`,
        );
      }
      yield bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Whether content should be treated as binary: a NUL byte or invalid UTF-8 within the first
 * {@link BINARY_SNIFF_BYTES}. A multi-byte character cut off at the end of the inspected bytes
 * does not count as invalid, so the first chunk of a larger file can be passed.
 *
 * @example
 * isProbablyBinary(new TextEncoder().encode('héllo')); // false
 * isProbablyBinary(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x00)); // true
 */
export function isProbablyBinary(buf: Uint8Array): boolean {
  const head = buf.subarray(0, BINARY_SNIFF_BYTES);
  if (head.includes(0)) return true;
  try {
    // `stream: true` tolerates an incomplete sequence at the very end of `head`.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}
