import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { test } from 'node:test';
import { z } from 'zod';
import { MessageChannel } from '../../src/protocol/channel.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { ProtocolError } from '../../src/protocol/errors.js';

const schema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ping'), n: z.number().int() }),
  z.object({ t: z.literal('error'), code: z.string(), message: z.string() }),
]);
type Msg = z.infer<typeof schema>;

async function pair(): Promise<{ a: net.Socket; b: net.Socket; done(): void }> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const a = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [b] = (await accepted) as [net.Socket];
  return { a, b, done: () => server.close() };
}

test('messages arrive validated and in order even when handlers are slow', async () => {
  const { a, b, done } = await pair();
  const left = new MessageChannel<Msg, Msg>(a, { schema });
  const right = new MessageChannel<Msg, Msg>(b, { schema });
  const seen: number[] = [];
  const all = new Promise<void>((resolve) =>
    right.listen(async (m) => {
      if (m.t !== 'ping') return;
      await new Promise((r) => setTimeout(r, m.n % 2 ? 5 : 0));
      seen.push(m.n);
      if (seen.length === 10) resolve();
    }),
  );
  left.listen(() => undefined);
  for (let n = 0; n < 10; n++) await left.send({ t: 'ping', n });
  await all;
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  left.close();
  right.close();
  done();
});

test('a message that fails the schema gets an error reply and closes only that connection', async () => {
  const { a, b, done } = await pair();
  const victim = new MessageChannel<Msg, Msg>(b, { schema });
  const handled: Msg[] = [];
  victim.listen((m) => void handled.push(m));
  const closed = new Promise<Error | undefined>((resolve) => victim.onClose(resolve));
  const replies: Buffer[] = [];
  a.on('data', (d: Buffer) => replies.push(d));
  a.write(encodeFrame({ t: 'ping', n: 'not a number' }));
  const error = await closed;
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.code, 'malformed_message');
  await once(a, 'end');
  assert.match(Buffer.concat(replies).toString(), /"code":"malformed_message"/);
  assert.equal(handled.length, 0);
  a.destroy();
  done();
});

test('raw garbage with a huge length prefix closes the connection with frame_too_large', async () => {
  const { a, b, done } = await pair();
  const victim = new MessageChannel<Msg, Msg>(b, { schema, maxFrameBytes: 4096 });
  victim.listen(() => undefined);
  const closed = new Promise<Error | undefined>((resolve) => victim.onClose(resolve));
  a.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
  const error = await closed;
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.code, 'frame_too_large');
  a.destroy();
  done();
});

test('a handler that throws a ProtocolError sends its code and closes', async () => {
  const { a, b, done } = await pair();
  const left = new MessageChannel<Msg, Msg>(a, { schema });
  const right = new MessageChannel<Msg, Msg>(b, { schema });
  right.listen(() => {
    throw new ProtocolError('not now', 'unexpected_message');
  });
  const got = new Promise<Msg>((resolve) => left.listen(resolve));
  await left.send({ t: 'ping', n: 1 });
  assert.deepEqual(await got, { t: 'error', code: 'unexpected_message', message: 'not now' });
  left.close();
  done();
});

test('a peer sending faster than the handler is read no further once too many messages wait', async () => {
  const { a, b, done } = await pair();
  const maxQueuedMessages = 8;
  const right = new MessageChannel<Msg, Msg>(b, { schema, maxQueuedMessages });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen: number[] = [];
  const count = 20_000;
  const all = new Promise<void>((resolve) =>
    right.listen(async (m) => {
      if (m.t !== 'ping') return;
      await gate;
      seen.push(m.n);
      if (seen.length === count) resolve();
    }),
  );
  // Raw frames with a 1 KiB body each, 20 MB in all: far more than the sockets buffer.
  const body = Buffer.alloc(1024, 0x61);
  const frames = Array.from({ length: count }, (_, n) => encodeFrame({ t: 'ping', n }, body));
  const total = frames.reduce((sum, frame) => sum + frame.length, 0);
  a.write(Buffer.concat(frames));
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(b.isPaused(), true, 'the stream is paused while the handler is stuck');
    assert.ok(b.bytesRead < total / 2, `read ${b.bytesRead} of ${total} bytes while stuck`);
    assert.ok(a.writableLength > 0, 'the sender is pushed back');
    release();
    await all;
    assert.deepEqual(
      seen,
      Array.from({ length: count }, (_, n) => n),
    );
    assert.equal(b.bytesRead, total);
  } finally {
    release();
    a.destroy();
    right.close();
    b.destroy();
    done();
  }
});

test("a peer's last messages before it closes are handled while the handler is still busy", async () => {
  const { a, b, done } = await pair();
  const right = new MessageChannel<Msg, Msg>(b, { schema });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen: string[] = [];
  right.listen(async (m) => {
    if (m.t === 'ping' && m.n === 0) await gate;
    seen.push(m.t === 'ping' ? `ping ${m.n}` : `error ${m.code}`);
  });
  const closed = new Promise<Error | undefined>((resolve) => right.onClose(resolve));
  // The first message holds the handler; the rest, the peer's goodbye among them, arrive and
  // then the stream ends while they wait.
  a.end(
    Buffer.concat([
      encodeFrame({ t: 'ping', n: 0 }),
      encodeFrame({ t: 'ping', n: 1 }),
      encodeFrame({ t: 'error', code: 'removed', message: 'The host removed you.' }),
    ]),
  );
  await once(b, 'end');
  assert.equal(right.closed, false, 'still handling what came before the end');
  release();
  assert.equal(await closed, undefined);
  assert.deepEqual(seen, ['ping 0', 'ping 1', 'error removed']);
  b.destroy();
  done();
});

test('a handler that never settles does not hold a closed channel open', async () => {
  const { a, b, done } = await pair();
  const right = new MessageChannel<Msg, Msg>(b, { schema, closeDrainMs: 100 });
  right.listen(() => new Promise<void>(() => undefined));
  const closed = new Promise<Error | undefined>((resolve) => right.onClose(resolve));
  a.end(encodeFrame({ t: 'ping', n: 0 }));
  assert.equal(await closed, undefined);
  b.destroy();
  done();
});

test('maxQueuedMessages below one is misuse', async () => {
  const { a, b, done } = await pair();
  assert.throws(
    () => new MessageChannel<Msg, Msg>(b, { schema, maxQueuedMessages: 0 }),
    RangeError,
  );
  a.destroy();
  b.destroy();
  done();
});
