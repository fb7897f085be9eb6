import * as Y from 'yjs';
import type { Logger } from '../../log.js';
import { PathRejectedError } from '../errors.js';
import { resolveInside } from '../resolve.js';
import type { WorkspaceRules } from '../rules.js';
import { AutosaveTimer } from './autosave.js';
import { NotATextFileError, type DocumentGoneReason } from './errors.js';
import { readDocumentFile, type ReadOutcome, type ReplaceFile } from './file-io.js';
import { mergeTextChange } from './merge-text.js';
import {
  decodeText,
  encodeText,
  whyNotText,
  type DecodedText,
  type TextFormat,
} from './text-codec.js';

/**
 * Transaction origin of changes that come from the disk (the initial load and external edits
 * folded in). The store does not save them back; a host broadcasts them like any other change.
 */
export const DISK_ORIGIN: unique symbol = Symbol('tandem.disk');

/** Name of the `Y.Text` that holds a shared document's content: `doc.getText('content')`. */
export const DOCUMENT_TEXT_NAME = 'content';

/** An open shared text file, as `DocumentStore.openDocument` returns it. */
export interface SharedDocument {
  /** The normalized workspace-relative path, such as `'src/a.ts'`. */
  readonly path: string;
  /** The authoritative document; peers' updates are applied to it. */
  readonly doc: Y.Doc;
  /** The content, `doc.getText(DOCUMENT_TEXT_NAME)`. */
  readonly text: Y.Text;
  /** How the file is written back; follows the disk when the file changes outside Tandem. */
  readonly format: TextFormat;
  /** Whether some edits are not on disk yet. */
  readonly dirty: boolean;
  /** Set once the file was deleted or stopped being text; the document is no longer saved. */
  readonly gone: DocumentGoneReason | undefined;
}

/** What a {@link DocumentFile} needs from its store; every default is resolved by the store. */
export interface DocumentFileContext {
  root: string;
  rules: WorkspaceRules;
  maxFileBytes: number;
  debounceMs: number;
  maxWaitMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  replaceFile: ReplaceFile;
  logger: Logger;
  onSaved(file: DocumentFile): void;
  onSaveError(path: string, error: Error, attempt: number): void;
  onGone(path: string, reason: DocumentGoneReason): void;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One open file: its `Y.Doc`, the bytes known to be on disk, and a second `Y.Doc` (the base)
 * holding the state those bytes correspond to. An outside change is diffed against the base and
 * merged into the live document as a concurrent edit, so edits not yet saved survive it.
 * Reads and saves of one file run one at a time.
 */
export class DocumentFile implements SharedDocument {
  readonly path: string;
  readonly doc: Y.Doc;
  readonly text: Y.Text;
  readonly #context: DocumentFileContext;
  readonly #base = new Y.Doc();
  readonly #timer: AutosaveTimer;
  #format: TextFormat;
  #known: Uint8Array;
  #dirty = false;
  #gone: DocumentGoneReason | undefined;
  #destroyed = false;
  #failures = 0;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    context: DocumentFileContext,
    path: string,
    decoded: DecodedText,
    bytes: Uint8Array,
  ) {
    this.#context = context;
    this.path = path;
    this.#format = decoded.format;
    this.#known = bytes;
    this.doc = new Y.Doc();
    this.text = this.doc.getText(DOCUMENT_TEXT_NAME);
    this.doc.transact(() => this.text.insert(0, decoded.text), DISK_ORIGIN);
    Y.applyUpdate(this.#base, Y.encodeStateAsUpdate(this.doc));
    this.#timer = new AutosaveTimer(
      () => void this.#saveNow().catch(() => {}),
      context.debounceMs,
      context.maxWaitMs,
    );
    this.doc.on('update', this.#onUpdate);
  }

  /**
   * Reads and decodes `path`.
   *
   * @throws {PathRejectedError} when the path is not shared or leads outside the workspace
   * @throws {NotATextFileError} for binary, invalid UTF-8, oversized or non-regular files
   * @throws the `ENOENT` error when it does not exist
   */
  static async open(context: DocumentFileContext, path: string): Promise<DocumentFile> {
    const abs = await resolveInside(context.root, path, context.rules);
    const outcome = await readDocumentFile(abs, context.maxFileBytes);
    if (outcome.kind === 'missing') throw outcome.error;
    if (outcome.kind !== 'bytes') throw new NotATextFileError(path, outcome.kind);
    const decoded = decodeText(outcome.bytes);
    if (decoded === undefined) {
      throw new NotATextFileError(path, whyNotText(outcome.bytes) ?? 'binary');
    }
    return new DocumentFile(context, path, decoded, outcome.bytes);
  }

  get format(): TextFormat {
    return { ...this.#format };
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  get gone(): DocumentGoneReason | undefined {
    return this.#gone;
  }

  /** Size of the bytes last read or written, for the store's memory budget. */
  get knownSize(): number {
    return this.#known.length;
  }

  /**
   * Saves now if there are unsaved edits (after the saves already under way).
   *
   * @throws the write error; the edits stay in memory and a retry is scheduled
   */
  flush(): Promise<void> {
    return this.#saveNow();
  }

  /** Re-reads the file and folds an outside change into the document. */
  refresh(): Promise<void> {
    return this.#enqueue(async () => {
      const outcome = await this.#read();
      if (outcome !== undefined) this.#absorb(outcome);
    });
  }

  /** Stops saving and frees both documents; unsaved edits are dropped. */
  destroy(): void {
    this.#destroyed = true;
    this.#timer.cancel();
    this.doc.off('update', this.#onUpdate);
    this.doc.destroy();
    this.#base.destroy();
  }

  readonly #onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === DISK_ORIGIN || this.#gone !== undefined || this.#destroyed) return;
    this.#dirty = true;
    this.#timer.touch();
  };

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #saveNow(): Promise<void> {
    return this.#enqueue(() => this.#save()).catch((error: unknown) => {
      throw this.#saveFailed(asError(error));
    });
  }

  async #save(): Promise<void> {
    if (!this.#dirty || this.#gone !== undefined || this.#destroyed) return;
    const abs = await this.#resolve();
    if (abs === undefined) return;
    // Read first: an outside change the watcher has not reported yet is merged, not overwritten.
    const outcome = await readDocumentFile(
      abs,
      Math.max(this.#context.maxFileBytes, this.#known.length),
    );
    this.#absorb(outcome);
    if (this.#gone !== undefined || this.#destroyed) return;

    // Capture text and state together, synchronously: edits after this point make a new save.
    const bytes = encodeText(this.text.toString(), this.#format);
    const reached = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.#base));
    this.#dirty = false;
    if (!sameBytes(bytes, this.#known)) {
      try {
        await this.#context.replaceFile(abs, bytes);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          this.#markGone('deleted');
          return;
        }
        this.#dirty = true;
        throw error;
      }
      this.#known = bytes;
    }
    Y.applyUpdate(this.#base, reached);
    this.#failures = 0;
    if (this.#timer.retrying) {
      this.#timer.cancel();
      if (this.#dirty) this.#timer.touch();
    }
    this.#context.onSaved(this);
  }

  #saveFailed(error: Error): Error {
    if (this.#destroyed) return error;
    this.#failures += 1;
    const attempt = this.#failures;
    const retryInMs = Math.min(
      this.#context.retryBaseMs * 2 ** Math.min(attempt - 1, 30),
      this.#context.retryMaxMs,
    );
    this.#context.logger.error(
      { path: this.path, attempt, retryInMs, err: error },
      'Could not save a shared document; its edits are kept in memory and saving is retried',
    );
    this.#timer.retryIn(retryInMs);
    this.#context.onSaveError(this.path, error, attempt);
    return error;
  }

  /** The file's absolute path, or `undefined` after marking the document gone. */
  async #resolve(): Promise<string | undefined> {
    try {
      return await resolveInside(this.#context.root, this.path, this.#context.rules);
    } catch (error) {
      if (!(error instanceof PathRejectedError)) throw error;
      this.#markGone('rejected');
      return undefined;
    }
  }

  async #read(): Promise<ReadOutcome | undefined> {
    if (this.#gone !== undefined || this.#destroyed) return undefined;
    const abs = await this.#resolve();
    if (abs === undefined) return undefined;
    return readDocumentFile(abs, Math.max(this.#context.maxFileBytes, this.#known.length));
  }

  /** Takes in what is on disk: nothing when it is what was last read or written. */
  #absorb(outcome: ReadOutcome): void {
    if (this.#gone !== undefined || this.#destroyed) return;
    if (outcome.kind === 'missing') return this.#markGone('deleted');
    if (outcome.kind !== 'bytes') return this.#markGone(outcome.kind);
    const bytes = outcome.bytes;
    if (sameBytes(bytes, this.#known)) return;
    const decoded = decodeText(bytes);
    if (decoded === undefined) return this.#markGone(whyNotText(bytes) ?? 'binary');
    // The outside change is a diff from the base, applied there and merged into the live
    // document as if a peer had made it concurrently with the unsaved edits.
    mergeTextChange(this.#base.getText(DOCUMENT_TEXT_NAME), this.doc, decoded.text, DISK_ORIGIN);
    // Text without any line break says nothing about line endings: keep the style known so far,
    // so that a CRLF file emptied and refilled outside stays CRLF (both encode the same bytes).
    const undetermined = !/[\r\n]/.test(decoded.text);
    this.#format = undetermined ? { ...decoded.format, eol: this.#format.eol } : decoded.format;
    this.#known = bytes;
  }

  #markGone(reason: DocumentGoneReason): void {
    if (this.#gone !== undefined) return;
    this.#gone = reason;
    this.#timer.cancel();
    this.#context.logger.warn(
      { path: this.path, reason, unsaved: this.#dirty },
      'A shared document no longer follows its file and is not saved any more',
    );
    this.#context.onGone(this.path, reason);
  }
}
