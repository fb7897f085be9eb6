import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BINARY_SNIFF_BYTES,
  isProbablyBinary,
  MAX_CHUNK_SIZE,
  MAX_TEXT_FILE_BYTES,
  readFileChunks,
  WorkspaceLimitError,
} from '../../src/workspace/index.js';
import { tempDir } from './helpers.js';

async function readAll(path: string, chunkSize: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readFileChunks(path, { chunkSize })) chunks.push(chunk);
  return chunks;
}

test('a file is streamed in chunks of the requested size that add up to its content', async (t) => {
  const dir = await tempDir(t);
  const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
  await writeFile(join(dir, 'f.bin'), data);
  const chunks = await readAll(join(dir, 'f.bin'), 4096);
  assert.deepEqual(
    chunks.map((c) => c.byteLength),
    [4096, 4096, 1808],
  );
  assert.deepEqual(Buffer.concat(chunks), data);
  assert.notEqual(chunks[0]?.buffer, chunks[1]?.buffer, 'each chunk may be kept');
});

test('an empty file yields no chunks', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'empty'), '');
  assert.deepEqual(await readAll(join(dir, 'empty'), 16), []);
});

test('a bad chunk size is misuse', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'f'), 'x');
  await assert.rejects(readAll(join(dir, 'f'), 0), RangeError);
  await assert.rejects(readAll(join(dir, 'f'), MAX_CHUNK_SIZE + 1), RangeError);
});

test('a file larger than maxBytes fails instead of being read whole', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'big'), Buffer.alloc(100));
  const read = async (): Promise<void> => {
    for await (const _ of readFileChunks(join(dir, 'big'), { chunkSize: 30, maxBytes: 50 })) {
      // drain
    }
  };
  await assert.rejects(read(), WorkspaceLimitError);
});

test(
  'a directory or a FIFO is refused rather than read',
  { skip: process.platform === 'win32' },
  async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(readAll(dir, 16));
    try {
      execFileSync('mkfifo', [join(dir, 'pipe')]);
    } catch {
      t.skip('mkfifo is not available');
      return;
    }
    await assert.rejects(readAll(join(dir, 'pipe'), 16), /not a regular file/);
  },
);

test('UTF-8 text is not binary, including multi-byte characters', () => {
  assert.equal(
    isProbablyBinary(new TextEncoder().encode('const x = "héllo wörld ✓ 🎉";\n')),
    false,
  );
  assert.equal(isProbablyBinary(new Uint8Array()), false);
});

test('a NUL byte or invalid UTF-8 makes content binary', () => {
  assert.equal(isProbablyBinary(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x00, 0x1a)), true);
  assert.equal(isProbablyBinary(Uint8Array.of(0x68, 0x69, 0xff, 0x68)), true);
  assert.equal(isProbablyBinary(Uint8Array.of(0xc3, 0x28)), true);
});

test('only the first 8 KiB are inspected, and a character cut at that edge is fine', () => {
  const late = new Uint8Array(BINARY_SNIFF_BYTES + 10).fill(0x61);
  late[BINARY_SNIFF_BYTES + 5] = 0;
  assert.equal(isProbablyBinary(late), false);
  const cut = new Uint8Array(BINARY_SNIFF_BYTES + 10).fill(0x61);
  cut.set([0xe2, 0x9c, 0x93], BINARY_SNIFF_BYTES - 1); // '✓' straddling the edge
  assert.equal(isProbablyBinary(cut), false);
});

test('the text size limit is exported for the document layer', () => {
  assert.equal(MAX_TEXT_FILE_BYTES, 5 * 1024 * 1024);
});
