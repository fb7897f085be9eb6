import type * as Y from 'yjs';
import { diffText } from './text-diff.js';

/**
 * Makes `ytext` read `next` with the smallest inserts and deletes (see `diffText`), in one
 * transaction. Characters outside the changed regions are left in place, so relative positions
 * (cursors, selections) anchored to them keep pointing at the same characters, and edits made
 * concurrently elsewhere by other peers merge cleanly. No step splits a surrogate pair.
 *
 * @param ytext a plain-text `Y.Text` (no embeds) that belongs to a `Y.Doc`
 * @param next the text it should read afterwards
 * @param origin the transaction origin, so that observers can tell this change apart
 * @returns whether anything changed
 * @throws {TypeError} when `ytext` is not part of a document or holds embeds
 * @example
 * applyTextChange(doc.getText('content'), textReadFromDisk, DISK_ORIGIN);
 */
export function applyTextChange(ytext: Y.Text, next: string, origin?: unknown): boolean {
  const doc = ytext.doc;
  if (doc === null) throw new TypeError('applyTextChange needs a Y.Text that belongs to a Y.Doc.');
  const prev = ytext.toString();
  if (prev.length !== ytext.length) {
    throw new TypeError('applyTextChange works on plain text; this Y.Text holds embeds.');
  }
  if (prev === next) return false;
  const diffs = diffText(prev, next);
  doc.transact(() => {
    let index = 0;
    for (const [op, text] of diffs) {
      if (op === 0) {
        index += text.length;
      } else if (op === -1) {
        ytext.delete(index, text.length);
      } else {
        ytext.insert(index, text);
        index += text.length;
      }
    }
  }, origin);
  return true;
}
