import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeText,
  encodeText,
  whyNotText,
  type TextFormat,
} from '../../../src/workspace/documents/index.js';
import { BINARY_SNIFF_BYTES } from '../../../src/workspace/index.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const BOM = '\uFEFF';

/** Strings from the characters that break naive codecs: line endings, emoji, combining marks. */
const tricky = fc
  .array(fc.constantFrom('a', 'a', 'b', '\n', '\n', '\r\n', '\r\n', '\r', '😀', 'e\u0301', BOM), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

test('every valid UTF-8 file is encoded back byte for byte', () => {
  fc.assert(
    fc.property(fc.boolean(), tricky, (withBom, body) => {
      const bytes = utf8((withBom ? BOM : '') + body);
      const decoded = decodeText(bytes);
      assert.ok(decoded, 'valid UTF-8 decodes');
      assert.deepEqual(encodeText(decoded.text, decoded.format), bytes);
      assert.equal(decoded.format.bom, withBom || body.startsWith(BOM));
      if (decoded.format.eol !== 'mixed') assert.ok(!decoded.text.includes('\r'));
    }),
  );
});

test('normalized text survives encoding in either line ending style', () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.constantFrom<TextFormat['eol']>('lf', 'crlf'),
      // A leading U+FEFF is a byte order mark on disk, so it cannot start a document's text.
      tricky.map((s) => s.replaceAll('\r', '').replaceAll(BOM, '')),
      (bom, eol, text) => {
        const decoded = decodeText(encodeText(text, { bom, eol }));
        assert.equal(decoded?.text, text);
        assert.equal(decoded?.format.bom, bom);
        if (text.includes('\n')) assert.equal(decoded?.format.eol, eol);
      },
    ),
  );
});

test('a CRLF file is normalized to LF and written back with CRLF', () => {
  const decoded = decodeText(utf8('one\r\ntwo\r\nthree'));
  assert.deepEqual(decoded, { text: 'one\ntwo\nthree', format: { bom: false, eol: 'crlf' } });
  assert.deepEqual(
    encodeText('one\ntwo\nthree\nfour', { bom: false, eol: 'crlf' }),
    utf8('one\r\ntwo\r\nthree\r\nfour'),
  );
});

test('CRLF pasted into a CRLF document is not doubled', () => {
  assert.deepEqual(encodeText('a\r\nb\nc', { bom: false, eol: 'crlf' }), utf8('a\r\nb\r\nc'));
});

test('mixed endings and lone carriage returns are kept raw', () => {
  assert.deepEqual(decodeText(utf8('a\r\nb\nc')), {
    text: 'a\r\nb\nc',
    format: { bom: false, eol: 'mixed' },
  });
  assert.deepEqual(decodeText(utf8('a\rb\r')), {
    text: 'a\rb\r',
    format: { bom: false, eol: 'mixed' },
  });
  assert.deepEqual(decodeText(utf8('a\r\nb\r')), {
    text: 'a\r\nb\r',
    format: { bom: false, eol: 'mixed' },
  });
});

test('exactly one byte order mark is stripped and put back', () => {
  const decoded = decodeText(utf8(`${BOM}${BOM}x\n`));
  assert.deepEqual(decoded, { text: `${BOM}x\n`, format: { bom: true, eol: 'lf' } });
  assert.deepEqual(encodeText(`${BOM}x\n`, { bom: true, eol: 'lf' }), utf8(`${BOM}${BOM}x\n`));
});

test('an empty file is empty LF text', () => {
  assert.deepEqual(decodeText(new Uint8Array()), { text: '', format: { bom: false, eol: 'lf' } });
});

test('binary content and invalid UTF-8 are not text, and say why', () => {
  const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00);
  assert.equal(decodeText(png), undefined);
  assert.equal(whyNotText(png), 'binary');
  const latin1 = Uint8Array.of(0x63, 0x61, 0x66, 0xe9); // "café" in Latin-1
  assert.equal(decodeText(latin1), undefined);
  assert.equal(whyNotText(latin1), 'invalid-utf8');
  assert.equal(whyNotText(utf8('café')), undefined);
});

test('invalid UTF-8 past the sniffed head is still refused', () => {
  const bytes = new Uint8Array(BINARY_SNIFF_BYTES + 10).fill(0x61);
  bytes[BINARY_SNIFF_BYTES + 5] = 0xff;
  assert.equal(decodeText(bytes), undefined);
  assert.equal(whyNotText(bytes), 'invalid-utf8');
});

test('a multi-byte character cut off at the end of the file is invalid', () => {
  assert.equal(decodeText(utf8('ok😀').subarray(0, 4)), undefined);
});
