/**
 * Shared text documents: a file's bytes as a `Y.Text` and back without changing a byte that was
 * not edited, minimal diffs into `Y.Text`, and the host's store of open documents that saves
 * edits and folds in outside changes. A pure library: no network, no CLI.
 */
export {
  decodeText,
  encodeText,
  whyNotText,
  type DecodedText,
  type NotTextReason,
  type TextFormat,
} from './text-codec.js';
export { diffText, MAX_DIFF_COST, type DiffTextOptions, type TextDiff } from './text-diff.js';
export { applyTextChange } from './apply-diff.js';
export { mergeTextChange, mergeTexts } from './merge-text.js';
export {
  AUTOSAVE_DEBOUNCE_MS,
  AUTOSAVE_MAX_WAIT_MS,
  SAVE_RETRY_BASE_MS,
  SAVE_RETRY_MAX_MS,
} from './autosave.js';
export {
  DocumentSaveError,
  NotATextFileError,
  type DocumentGoneReason,
  type NotATextFileReason,
} from './errors.js';
export { replaceFileAtomic, type ReplaceFile } from './file-io.js';
export { DISK_ORIGIN, DOCUMENT_TEXT_NAME, type SharedDocument } from './shared-document.js';
export {
  DocumentStore,
  MAX_OPEN_DOCUMENT_BYTES,
  MAX_OPEN_DOCUMENTS,
  type DocumentStoreOptions,
} from './document-store.js';
