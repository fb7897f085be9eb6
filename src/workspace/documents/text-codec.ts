import { BINARY_SNIFF_BYTES, isProbablyBinary } from '../content.js';

/**
 * How a text file's characters are laid out on disk, kept so that writing the document back
 * changes only the bytes that were edited.
 */
export interface TextFormat {
  /** Whether the file starts with a UTF-8 byte order mark (EF BB BF). */
  bom: boolean;
  /**
   * Line endings: `lf` or `crlf` when the file uses only that one (the document then holds plain
   * `'\n'`), `mixed` when it uses several or a lone `'\r'` (the document then holds them raw).
   */
  eol: 'lf' | 'crlf' | 'mixed';
}

/** A text file decoded into a document's text and the format to write it back with. */
export interface DecodedText {
  /** The characters, without the byte order mark, normalized to `'\n'` unless `eol` is `mixed`. */
  text: string;
  /** What {@link encodeText} needs to restore the exact bytes. */
  format: TextFormat;
}

/** Why bytes cannot be a shared text document: a NUL byte early on, or invalid UTF-8 anywhere. */
export type NotTextReason = 'binary' | 'invalid-utf8';

const UTF8_BOM = Uint8Array.of(0xef, 0xbb, 0xbf);
const BOM_CHAR = '\uFEFF';
const utf8 = new TextEncoder();

function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/**
 * The line-ending style of `text`. A lone `'\r'` makes it `mixed`: normalizing it to `'\n'` could
 * not be undone byte for byte.
 */
function detectEol(text: string): TextFormat['eol'] {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== 0x0a) return 'mixed';
    crlf += 1;
  }
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lf += 1;
  if (crlf === 0) return 'lf';
  return crlf === lf ? 'crlf' : 'mixed';
}

/**
 * Why `bytes` are not text, or `undefined` when they are. Uses the same sniffing as the file
 * tree ({@link isProbablyBinary}) so that a file shown as text can be opened, then checks that
 * the whole content is valid UTF-8.
 *
 * @example
 * whyNotText(Uint8Array.of(0x68, 0x00)); // 'binary'
 */
export function whyNotText(bytes: Uint8Array): NotTextReason | undefined {
  if (isProbablyBinary(bytes)) {
    return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0) ? 'binary' : 'invalid-utf8';
  }
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return undefined;
  } catch {
    return 'invalid-utf8';
  }
}

/**
 * Decodes a file's bytes into a document's text and its {@link TextFormat}, such that
 * `encodeText(text, format)` gives back the same bytes.
 *
 * @param bytes the whole file
 * @returns `undefined` for binary content or invalid UTF-8 (see {@link whyNotText})
 * @example
 * decodeText(new TextEncoder().encode('a\r\nb')); // { text: 'a\nb', format: { bom: false, eol: 'crlf' } }
 */
export function decodeText(bytes: Uint8Array): DecodedText | undefined {
  if (isProbablyBinary(bytes)) return undefined;
  let raw: string;
  try {
    // ignoreBOM keeps the mark in the output, so that exactly one is stripped below and a
    // second one (part of the content) survives.
    raw = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const bom = hasBom(bytes);
  const body = bom ? raw.slice(BOM_CHAR.length) : raw;
  const eol = detectEol(body);
  const text = eol === 'crlf' ? body.replaceAll('\r\n', '\n') : body;
  return { text, format: { bom, eol } };
}

/**
 * Encodes a document's text to a file's bytes in the given format. With `crlf`, each `'\n'` not
 * already preceded by `'\r'` becomes `'\r\n'` (so CRLF pasted into the document is not doubled);
 * with `lf` and `mixed` the text is written as it is. Lone surrogates become U+FFFD, as UTF-8
 * cannot hold them.
 *
 * @example
 * encodeText('a\nb', { bom: true, eol: 'crlf' }); // EF BB BF 61 0D 0A 62
 */
export function encodeText(text: string, format: TextFormat): Uint8Array {
  const body = utf8.encode(format.eol === 'crlf' ? text.replace(/\r?\n/g, '\r\n') : text);
  if (!format.bom) return body;
  const bytes = new Uint8Array(UTF8_BOM.length + body.length);
  bytes.set(UTF8_BOM, 0);
  bytes.set(body, UTF8_BOM.length);
  return bytes;
}
