import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Y from 'yjs';
import { mergeTextChange, mergeTexts } from '../../../src/workspace/documents/index.js';

test('changes to different lines on each side both land in the merge', () => {
  const base = 'one\ntwo\nthree\nfour\n';
  assert.equal(
    mergeTexts(base, 'ONE\ntwo\nthree\nfour\n', 'one\ntwo\nthree\nFOUR\n'),
    'ONE\ntwo\nthree\nFOUR\n',
  );
});

test('a side that did not change takes the other side whole', () => {
  assert.equal(mergeTexts('a', 'a', 'b'), 'b');
  assert.equal(mergeTexts('a', 'b', 'a'), 'b');
  assert.equal(mergeTexts('a', 'b', 'b'), 'b');
});

test('insertions meeting at one place are both kept, ours first, the same every time', () => {
  for (let i = 0; i < 5; i++) {
    assert.equal(mergeTexts('ab', 'aXb', 'aYb'), 'aXYb');
  }
});

test('a deletion on one side and an edit elsewhere on the other both land', () => {
  assert.equal(
    mergeTexts('keep\ndrop\nend\n', 'keep\nend\n', 'keep\ndrop\nend!\n'),
    'keep\nend!\n',
  );
});

test('surrogate pairs survive a merge around them', () => {
  assert.equal(mergeTexts('😀 x 😀', '😀 y 😀', '😀 x 😀😀'), '😀 y 😀😀');
});

test('an outside change merged against its base keeps edits the document received since', () => {
  const live = new Y.Doc();
  live.getText('content').insert(0, 'one\ntwo\n');
  const base = new Y.Doc();
  Y.applyUpdate(base, Y.encodeStateAsUpdate(live));
  // A peer edits the document; the copy was made before that edit.
  live.getText('content').insert(0, 'zero\n');
  const origin = Symbol('test');
  const seen: unknown[] = [];
  live.on('update', (_update: Uint8Array, o: unknown) => seen.push(o));
  assert.equal(mergeTextChange(base.getText('content'), live, 'one\ntwo\nthree\n', origin), true);
  assert.equal(live.getText('content').toString(), 'zero\none\ntwo\nthree\n');
  assert.equal(base.getText('content').toString(), 'one\ntwo\nthree\n');
  assert.deepEqual(seen, [origin]);
  assert.equal(mergeTextChange(base.getText('content'), live, 'one\ntwo\nthree\n'), false);
});
