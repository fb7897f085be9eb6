import * as Y from 'yjs';
import { applyTextChange } from './apply-diff.js';

/** Name of the `Y.Text` that {@link mergeTexts} works in; any name would do. */
const TEXT_NAME = 'text';

/**
 * Merges a change made to a copy of a document outside Yjs (a file on disk, a mirror file) into
 * the document itself. `base` is the text of a second `Y.Doc` holding the state the copy was made
 * from; the change is the minimal diff from it to `next`, applied there and then carried into
 * `target` as if a peer had made it concurrently with whatever `target` received since. So edits
 * that reached `target` after the copy was made survive, and the copy's change is not undone by
 * them or undoes them. Afterwards `base` holds the copy's new state.
 *
 * @param base the text as the copy was taken, in its own `Y.Doc`, all of whose items `target`
 *   knows (it starts as a copy of `target` and only ever takes in `target`'s updates)
 * @param target the document to merge into (the live shared document), holding the same text
 *   under the same name
 * @param next the copy's text now
 * @param origin the transaction origin of the change in both documents
 * @returns whether the copy had changed
 * @throws {TypeError} when `base` is not part of a document or holds embeds
 * @example
 * mergeTextChange(baseDoc.getText('content'), liveDoc, textReadFromDisk, DISK_ORIGIN);
 */
export function mergeTextChange(
  base: Y.Text,
  target: Y.Doc,
  next: string,
  origin?: unknown,
): boolean {
  const doc = base.doc;
  if (doc === null) throw new TypeError('mergeTextChange needs a Y.Text that belongs to a Y.Doc.');
  const before = Y.encodeStateVector(doc);
  if (!applyTextChange(base, next, origin)) return false;
  Y.applyUpdate(target, Y.encodeStateAsUpdate(doc, before), origin);
  return true;
}

/**
 * Three-way merge of plain texts: the changes from `base` to `ours` and from `base` to `theirs`
 * both land in the result, merged exactly as {@link mergeTextChange} merges an outside change
 * into a document that others edited meanwhile (so the same rules hold on both ends of a
 * session: both insertions kept when they meet at one place, a deletion wins over the text it
 * removes, ours before theirs). Deterministic: the same three texts always give the same result.
 *
 * @example
 * mergeTexts('a\nb\n', 'A\nb\n', 'a\nB\n'); // 'A\nB\n'
 */
export function mergeTexts(base: string, ours: string, theirs: string): string {
  if (ours === base || ours === theirs) return theirs;
  if (theirs === base) return ours;
  // Fixed client ids keep the order of insertions that meet at one place the same every time.
  const origin = new Y.Doc();
  origin.clientID = 1;
  origin.getText(TEXT_NAME).insert(0, base);
  const merged = new Y.Doc();
  merged.clientID = 2;
  Y.applyUpdate(merged, Y.encodeStateAsUpdate(origin));
  try {
    applyTextChange(merged.getText(TEXT_NAME), theirs);
    mergeTextChange(origin.getText(TEXT_NAME), merged, ours);
    return merged.getText(TEXT_NAME).toString();
  } finally {
    origin.destroy();
    merged.destroy();
  }
}
