import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as Y from 'yjs';
import {
  applyTextChange,
  diffText,
  type TextDiff,
} from '../../../src/workspace/documents/index.js';
import { syncDocs } from './helpers.js';

/** Applies diff steps to `prev` the way `applyTextChange` applies them to a Y.Text. */
function patch(prev: string, diffs: TextDiff[]): string {
  let out = '';
  let index = 0;
  for (const [op, text] of diffs) {
    if (op === 0) {
      assert.equal(prev.slice(index, index + text.length), text, 'kept text matches');
      out += text;
      index += text.length;
    } else if (op === -1) {
      assert.equal(prev.slice(index, index + text.length), text, 'deleted text matches');
      index += text.length;
    } else {
      out += text;
    }
  }
  assert.equal(index, prev.length, 'the steps cover the whole old text');
  return out;
}

function splitsPair(diffs: TextDiff[]): boolean {
  return diffs.some(([, s]) => /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(s));
}

function textDoc(content: string): { doc: Y.Doc; text: Y.Text } {
  const doc = new Y.Doc();
  const text = doc.getText('content');
  text.insert(0, content);
  return { doc, text };
}

const emojiText = fc
  .array(fc.constantFrom('a', 'b', '\n', '😀', '😁', '\u{1FA00}', '🙈', 'e\u0301', '中'), {
    maxLength: 30,
  })
  .map((parts) => parts.join(''));

test('a diff turns the old text into the new one and never splits a surrogate pair', () => {
  fc.assert(
    fc.property(
      emojiText,
      emojiText,
      fc.constantFrom(0, 4, 50, 1000, undefined),
      (prev, next, maxCost) => {
        // A small budget sends the same inputs through the line-by-line and replace-whole paths.
        const diffs = diffText(prev, next, { maxCost });
        assert.equal(patch(prev, diffs), next);
        assert.ok(!splitsPair(diffs), JSON.stringify(diffs));
        const { text } = textDoc(prev);
        applyTextChange(text, next);
        assert.equal(text.toString(), next);
      },
    ),
  );
});

test('emoji that share a surrogate half are replaced whole', () => {
  // 😀 is D83D DE00, 😁 is D83D DE01 (same high half), U+1FA00 is D83E DE00 (same low half).
  for (const [prev, next] of [
    ['a😀b', 'a😁b'],
    ['a😀b', 'a\u{1FA00}b'],
    ['😀', '😀😀'],
    ['😀😁', '😁'],
  ] as const) {
    const diffs = diffText(prev, next);
    assert.ok(!splitsPair(diffs), `${prev} -> ${next}: ${JSON.stringify(diffs)}`);
    const { text } = textDoc(prev);
    applyTextChange(text, next);
    assert.equal(text.toString(), next);
    assert.ok(!text.toString().includes('\uFFFD'));
  }
});

test('a change touches only the changed characters', () => {
  assert.deepEqual(diffText('hello world', 'hello, world'), [
    [0, 'hello'],
    [1, ','],
    [0, ' world'],
  ]);
  assert.deepEqual(diffText('same', 'same'), [[0, 'same']]);
  assert.deepEqual(diffText('', ''), []);
});

test('cursors before and after an edited region keep pointing at the same character', () => {
  const { doc, text } = textDoc('alpha\nbeta\ngamma\n');
  const before = Y.createRelativePositionFromTypeIndex(text, 2); // the 'p' of alpha
  const after = Y.createRelativePositionFromTypeIndex(text, 13); // the 'm' of gamma
  const origin = Symbol('disk');
  let seenOrigin: unknown;
  doc.on('afterTransaction', (tr: Y.Transaction) => (seenOrigin = tr.origin));
  assert.equal(applyTextChange(text, 'alpha\nBETA (changed)\ngamma\n', origin), true);
  assert.equal(seenOrigin, origin);
  const at = (pos: Y.RelativePosition): string => {
    const abs = Y.createAbsolutePositionFromRelativePosition(pos, doc);
    assert.ok(abs);
    return text.toString().charAt(abs.index);
  };
  assert.equal(at(before), 'p');
  assert.equal(at(after), 'm');
  assert.equal(applyTextChange(text, text.toString()), false, 'no change, no transaction');
});

test('a disk change and concurrent typing elsewhere both survive', () => {
  const host = textDoc('function f() {\n  return 1;\n}\n');
  const guest = new Y.Doc();
  syncDocs(host.doc, guest);
  const guestText = guest.getText('content');

  // The guest types at the end while the host folds in a formatter's change at the start.
  guestText.insert(guestText.length, '// guest note\n');
  applyTextChange(host.text, 'function f(): number {\n  return 1;\n}\n', 'disk');
  syncDocs(host.doc, guest);

  assert.equal(host.text.toString(), 'function f(): number {\n  return 1;\n}\n// guest note\n');
  assert.equal(guestText.toString(), host.text.toString());
});

test('a Y.Text outside a document is misuse', () => {
  assert.throws(() => applyTextChange(new Y.Text(), 'x'), TypeError);
});

test('a large change is diffed between unique lines and keeps unchanged lines in place', () => {
  const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(i % 17)}\n`);
  const prev = lines.join('');
  const nextLines = [...lines];
  nextLines[100] = 'changed one\n';
  nextLines[2500] = 'changed two\n';
  const next = nextLines.join('');
  const diffs = diffText(prev, next, { maxCost: 1_000_000 });
  assert.equal(patch(prev, diffs), next);
  const changed = diffs.filter(([op]) => op !== 0).reduce((n, [, s]) => n + s.length, 0);
  assert.ok(changed < 100, `only the two lines change, not ${changed} units`);
});

test('past the diff budget a changed block is replaced whole, still correctly', () => {
  const prev = `head\n${'a\n'.repeat(500)}tail`;
  const next = `head\n${'b\n'.repeat(500)}tail`;
  const diffs = diffText(prev, next, { maxCost: 100 });
  assert.equal(patch(prev, diffs), next);
  assert.deepEqual(diffs[0], [0, 'head\n']);
  assert.deepEqual(diffs.at(-1), [0, '\ntail']);
});

test('unrelated texts far past the diff budget are diffed without stalling', () => {
  // Random lines defeat every shortcut; the default budget must keep this quick and correct.
  const random = (seed: number): string => {
    let x = seed;
    return Array.from({ length: 20_000 }, () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return `${x.toString(36)}\n`;
    }).join('');
  };
  const prev = random(1);
  const next = random(2);
  assert.equal(patch(prev, diffText(prev, next)), next);
});

test('a big file with scattered changes gets a precise diff within the default budget', () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `  statement(${i});\n`);
  const nextLines = [...lines];
  for (const i of [10, 20_000, 49_990]) nextLines[i] = `  statement(${i}, 'edited');\n`;
  nextLines.splice(30_000, 0, '  inserted();\n');
  const prev = lines.join('');
  const next = nextLines.join('');
  const diffs = diffText(prev, next);
  assert.equal(patch(prev, diffs), next);
  const changed = diffs.filter(([op]) => op !== 0).reduce((n, [, s]) => n + s.length, 0);
  assert.ok(changed < 100, `only the edits change, not ${changed} units`);
});
