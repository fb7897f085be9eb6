import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACK_EVERY_BYTES,
  ACK_EVERY_MESSAGES,
  AckCounter,
  FLOW_WINDOW_BYTES,
  FLOW_WINDOW_MESSAGES,
  SendWindow,
  type FlowCount,
} from '../../src/protocol/flow.js';
import { ProtocolError } from '../../src/protocol/errors.js';

test('acknowledgements come well inside the window, so a sender can never wait for nothing', () => {
  assert.ok(ACK_EVERY_MESSAGES * 2 <= FLOW_WINDOW_MESSAGES);
  assert.ok(ACK_EVERY_BYTES * 2 <= FLOW_WINDOW_BYTES);
  const counter = new AckCounter();
  const acks: FlowCount[] = [];
  for (let n = 0; n < ACK_EVERY_MESSAGES * 3; n++) {
    const ack = counter.handled(10);
    if (ack) acks.push(ack);
  }
  assert.deepEqual(
    acks.map((a) => a.messages),
    [1, 2, 3].map((k) => k * ACK_EVERY_MESSAGES),
  );
  // One large body is acknowledged at once.
  assert.equal(counter.handled(ACK_EVERY_BYTES)?.messages, ACK_EVERY_MESSAGES * 3 + 1);
});

test('a sender waits while more than the window is unacknowledged, and goes on after an ack', async () => {
  const sent: FlowCount = { messages: 0, bytes: 0 };
  const window = new SendWindow(() => sent, { messages: 4, bytes: 1000 });
  sent.messages = 4;
  await window.wait();
  sent.messages = 5;
  let through = false;
  const waiting = window.wait().then(() => (through = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(through, false, 'five in flight with a window of four');
  window.acknowledge({ messages: 1, bytes: 0 });
  await waiting;
  // Bytes count too.
  sent.bytes = 1500;
  const bytesWait = window.wait().then(() => (through = false));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(through, true);
  window.acknowledge({ messages: 2, bytes: 600 });
  await bytesWait;
  assert.equal(through, false);
});

test('an ack that goes back or claims more than was sent is a protocol error', () => {
  const window = new SendWindow(() => ({ messages: 10, bytes: 100 }));
  window.acknowledge({ messages: 5, bytes: 50 });
  assert.throws(() => window.acknowledge({ messages: 4, bytes: 50 }), ProtocolError);
  assert.throws(() => window.acknowledge({ messages: 11, bytes: 50 }), ProtocolError);
  assert.throws(() => window.acknowledge({ messages: 6, bytes: 101 }), ProtocolError);
});

test('closing lets every waiter go', async () => {
  const window = new SendWindow(() => ({ messages: 10, bytes: 0 }), { messages: 1, bytes: 1 });
  const waiting = window.wait();
  window.close();
  await waiting;
});
