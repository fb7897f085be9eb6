import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
} from '../../src/protocol/frame.js';

test('frames split at every byte boundary decode to the same messages', () => {
  const body = Buffer.from([0, 1, 2, 255]);
  const wire = Buffer.concat([encodeFrame({ t: 'a' }), encodeFrame({ t: 'b', n: 1 }, body)]);
  const decoder = new FrameDecoder();
  const frames = [];
  for (const byte of wire) frames.push(...decoder.push(Buffer.from([byte])));
  assert.deepEqual(
    frames.map((f) => [f.header, [...f.body]]),
    [
      [{ t: 'a' }, []],
      [{ t: 'b', n: 1 }, [0, 1, 2, 255]],
    ],
  );
});

test('an announced length over the limit fails after four bytes, before buffering', () => {
  const decoder = new FrameDecoder({ maxFrameBytes: 1000 });
  const head = Buffer.alloc(4);
  head.writeUInt32BE(1001);
  assert.throws(
    () => decoder.push(head),
    (error: unknown) => error instanceof FrameError && error.code === 'frame_too_large',
  );
});

test('a frame of the default maximum size is refused by the decoder when one byte larger', () => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(MAX_FRAME_BYTES + 1);
  assert.throws(() => new FrameDecoder().push(head), FrameError);
  assert.throws(() => encodeFrame({}, new Uint8Array(MAX_FRAME_BYTES)), RangeError);
});

test('a header that is not JSON, or longer than its frame, is malformed', () => {
  const bad = Buffer.from([0, 0, 0, 7, 0, 0, 0, 3, 0x7b, 0x7b, 0x7b]);
  assert.throws(
    () => new FrameDecoder().push(bad),
    (e: unknown) => e instanceof FrameError && e.code === 'malformed_message',
  );
  const long = Buffer.from([0, 0, 0, 5, 0, 0, 0, 9, 0x7b]);
  assert.throws(() => new FrameDecoder().push(long), FrameError);
  const short = Buffer.from([0, 0, 0, 2, 0, 0]);
  assert.throws(() => new FrameDecoder().push(short), FrameError);
});
