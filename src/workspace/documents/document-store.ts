import { silentLogger, type Logger } from '../../log.js';
import { MAX_TEXT_FILE_BYTES } from '../content.js';
import { WorkspaceLimitError } from '../errors.js';
import { normalizeRelativePath } from '../path.js';
import type { WorkspaceRules } from '../rules.js';
import {
  AUTOSAVE_DEBOUNCE_MS,
  AUTOSAVE_MAX_WAIT_MS,
  SAVE_RETRY_BASE_MS,
  SAVE_RETRY_MAX_MS,
} from './autosave.js';
import { DocumentSaveError, type DocumentGoneReason } from './errors.js';
import { replaceFileAtomic, type ReplaceFile } from './file-io.js';
import { DocumentFile, type DocumentFileContext, type SharedDocument } from './shared-document.js';

/**
 * Most documents open at once. Threat: a peer opening every file of a large checkout, each
 * becoming a `Y.Doc` (plus its base copy) in the host's memory.
 */
export const MAX_OPEN_DOCUMENTS = 256;

/**
 * Most bytes of file content open as documents at once. Threat: the same as
 * {@link MAX_OPEN_DOCUMENTS} with fewer, larger files; a document costs a few times its size.
 */
export const MAX_OPEN_DOCUMENT_BYTES = 128 * 1024 * 1024;

/** Options for {@link DocumentStore}; every default is an exported constant. */
export interface DocumentStoreOptions {
  /** Quiet period after an edit before saving; defaults to {@link AUTOSAVE_DEBOUNCE_MS}. */
  autosaveDebounceMs?: number;
  /** Longest wait before saving under continuous edits; defaults to {@link AUTOSAVE_MAX_WAIT_MS}. */
  autosaveMaxWaitMs?: number;
  /** First retry delay after a failed save; defaults to {@link SAVE_RETRY_BASE_MS}. */
  saveRetryBaseMs?: number;
  /** Longest retry delay; defaults to {@link SAVE_RETRY_MAX_MS}. */
  saveRetryMaxMs?: number;
  /** Largest file opened; defaults to `MAX_TEXT_FILE_BYTES`. */
  maxFileBytes?: number;
  /** Defaults to {@link MAX_OPEN_DOCUMENTS}. */
  maxOpenDocuments?: number;
  /** Defaults to {@link MAX_OPEN_DOCUMENT_BYTES}. */
  maxOpenDocumentBytes?: number;
  /** Receives save failures (loudly) and documents that stop following their file. */
  logger?: Logger;
  /** Called after each failed save, which is retried with backoff; a throw is ignored. */
  onSaveError?: (path: string, error: Error, attempt: number) => void;
  /** Called once when a document's file is deleted or stops being text; a throw is ignored. */
  onDocumentGone?: (path: string, reason: DocumentGoneReason) => void;
  /** Called after a document's edits reached the disk (or matched it); a throw is ignored. */
  onSaved?: (path: string) => void;
  /** Writes a file; defaults to {@link replaceFileAtomic}. */
  replaceFile?: ReplaceFile;
}

interface Entry {
  refs: number;
  ready: Promise<DocumentFile>;
  file: DocumentFile | undefined;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${chosen}`);
  }
  return chosen;
}

function guarded<A extends unknown[]>(
  logger: Logger,
  callback: ((...args: A) => void) | undefined,
): (...args: A) => void {
  return (...args) => {
    try {
      callback?.(...args);
    } catch (error) {
      logger.warn({ err: error }, 'A DocumentStore callback threw; ignored');
    }
  };
}

/**
 * The host's open text files: one `Y.Doc` per file, shared by every peer that opened it, saved
 * back to disk after edits (atomically, in the file's own encoding and line endings) and kept in
 * step with changes made to the disk outside Tandem.
 *
 * @example
 * const store = new DocumentStore(root, rules, { onDocumentGone: (p) => tellPeers(p) });
 * const shared = await store.openDocument('src/a.ts');
 * watcher.onChange = (c) => void store.onDiskChange(c.path);
 * await store.close();
 */
export class DocumentStore {
  readonly #entries = new Map<string, Entry>();
  readonly #context: DocumentFileContext;
  readonly #maxOpen: number;
  readonly #maxOpenBytes: number;
  #closed = false;

  /**
   * @param root the workspace folder
   * @param rules what is shared in it (loaded for `root`)
   * @throws {RangeError} for a negative or non-finite delay or limit
   */
  constructor(root: string, rules: WorkspaceRules, options: DocumentStoreOptions = {}) {
    const logger = options.logger ?? silentLogger;
    const onSaved = guarded(logger, options.onSaved);
    const debounceMs = nonNegative(
      'autosaveDebounceMs',
      options.autosaveDebounceMs,
      AUTOSAVE_DEBOUNCE_MS,
    );
    this.#context = {
      root,
      rules,
      maxFileBytes: nonNegative('maxFileBytes', options.maxFileBytes, MAX_TEXT_FILE_BYTES),
      debounceMs,
      maxWaitMs: Math.max(
        debounceMs,
        nonNegative('autosaveMaxWaitMs', options.autosaveMaxWaitMs, AUTOSAVE_MAX_WAIT_MS),
      ),
      retryBaseMs: nonNegative('saveRetryBaseMs', options.saveRetryBaseMs, SAVE_RETRY_BASE_MS),
      retryMaxMs: nonNegative('saveRetryMaxMs', options.saveRetryMaxMs, SAVE_RETRY_MAX_MS),
      replaceFile: options.replaceFile ?? replaceFileAtomic,
      logger,
      onSaved: (file) => {
        this.#release(file);
        onSaved(file.path);
      },
      onSaveError: guarded(logger, options.onSaveError),
      onGone: guarded(logger, options.onDocumentGone),
    };
    this.#maxOpen = nonNegative('maxOpenDocuments', options.maxOpenDocuments, MAX_OPEN_DOCUMENTS);
    this.#maxOpenBytes = nonNegative(
      'maxOpenDocumentBytes',
      options.maxOpenDocumentBytes,
      MAX_OPEN_DOCUMENT_BYTES,
    );
  }

  /**
   * Opens a shared text file, or returns the document already open for it (each call must be
   * matched by one {@link closeDocument}).
   *
   * @param relPath a workspace-relative path, checked with `resolveInside`
   * @throws {PathRejectedError} when the path is not shared or leads outside the workspace
   * @throws {NotATextFileError} for binary, invalid UTF-8, oversized or non-regular files
   * @throws {WorkspaceLimitError} past {@link MAX_OPEN_DOCUMENTS} or {@link MAX_OPEN_DOCUMENT_BYTES}
   * @throws the `ENOENT` error when the file does not exist
   */
  async openDocument(relPath: string): Promise<SharedDocument> {
    if (this.#closed)
      throw new Error('This DocumentStore is closed; make a new one to open files.');
    const path = normalizeRelativePath(relPath);
    let entry = this.#entries.get(path);
    if (entry === undefined) {
      if (this.#entries.size >= this.#maxOpen) {
        throw new WorkspaceLimitError(
          'MAX_OPEN_DOCUMENTS',
          this.#maxOpen,
          `${this.#maxOpen} documents are open already; close some or raise maxOpenDocuments.`,
        );
      }
      const created: Entry = { refs: 0, ready: this.#load(path), file: undefined };
      created.ready.then(
        (file) => (created.file = file),
        () => this.#entries.get(path) === created && this.#entries.delete(path),
      );
      this.#entries.set(path, created);
      entry = created;
    }
    entry.refs += 1;
    try {
      return await entry.ready;
    } catch (error) {
      entry.refs -= 1;
      throw error;
    }
  }

  /**
   * Gives back one {@link openDocument}. The last one saves pending edits, then frees the
   * document. When that save fails the document stays in memory, retrying, until a save
   * succeeds (or it is opened again).
   *
   * @throws {RangeError} when the path is not open
   * @throws {DocumentSaveError} when the final save failed
   */
  async closeDocument(relPath: string): Promise<void> {
    const path = normalizeRelativePath(relPath);
    const entry = this.#entries.get(path);
    if (entry === undefined || entry.refs === 0) {
      throw new RangeError(`${JSON.stringify(relPath)} is not open in this DocumentStore.`);
    }
    entry.refs -= 1;
    if (entry.refs > 0) return;
    const file = await entry.ready.catch(() => undefined);
    if (file === undefined) return;
    try {
      await file.flush();
    } catch (error) {
      throw new DocumentSaveError([path], error);
    }
    this.#release(file);
  }

  /** The open document for `relPath`, if any. */
  get(relPath: string): SharedDocument | undefined {
    try {
      return this.#entries.get(normalizeRelativePath(relPath))?.file;
    } catch {
      return undefined;
    }
  }

  /**
   * Tells the store that `relPath` may have changed on disk (the host calls it from the
   * watcher). The file is re-read; the echo of the store's own save is ignored, an outside
   * change is merged into the document as a minimal diff without losing unsaved edits, and a
   * deleted file or one that stopped being text ends autosaving (see `onDocumentGone`).
   * Paths that are not open are ignored.
   *
   * @throws the read error (such as `EACCES`); the document is left as it was
   */
  async onDiskChange(relPath: string): Promise<void> {
    let path: string;
    try {
      path = normalizeRelativePath(relPath);
    } catch {
      return;
    }
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    const file = await entry.ready.catch(() => undefined);
    await file?.refresh();
  }

  /**
   * Saves every document with unsaved edits now.
   *
   * @throws {DocumentSaveError} naming the files that could not be saved (they are retried)
   */
  async flushAll(): Promise<void> {
    const files = await this.#settledFiles();
    const results = await Promise.allSettled(files.map((file) => file.flush()));
    const failed = files.filter((_, i) => results[i]?.status === 'rejected');
    if (failed.length === 0) return;
    const first = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw new DocumentSaveError(
      failed.map((file) => file.path),
      first.reason,
    );
  }

  /**
   * Saves everything, then frees every document; no document can be opened afterwards. Documents
   * that could not be saved stay in memory and keep retrying; calling `close` again retries now.
   *
   * @throws {DocumentSaveError} naming the files that could not be saved
   */
  async close(): Promise<void> {
    this.#closed = true;
    let failure: unknown;
    try {
      await this.flushAll();
    } catch (error) {
      failure = error;
    }
    const unsaved = new Set(failure instanceof DocumentSaveError ? failure.paths : []);
    for (const file of await this.#settledFiles()) {
      if (!unsaved.has(file.path) || file.gone !== undefined) this.#drop(file);
    }
    if (failure !== undefined) throw failure;
  }

  async #load(path: string): Promise<DocumentFile> {
    const file = await DocumentFile.open(this.#context, path);
    let openBytes = 0;
    for (const entry of this.#entries.values()) openBytes += entry.file?.knownSize ?? 0;
    if (openBytes + file.knownSize > this.#maxOpenBytes) {
      file.destroy();
      throw new WorkspaceLimitError(
        'MAX_OPEN_DOCUMENT_BYTES',
        this.#maxOpenBytes,
        `Opening ${JSON.stringify(path)} would hold more than ${this.#maxOpenBytes} bytes of ` +
          'documents in memory; close some or raise maxOpenDocumentBytes.',
      );
    }
    return file;
  }

  async #settledFiles(): Promise<DocumentFile[]> {
    const files = await Promise.all(
      [...this.#entries.values()].map((entry) => entry.ready.catch(() => undefined)),
    );
    return files.filter((file): file is DocumentFile => file !== undefined);
  }

  /** Frees a document nobody holds once it has nothing left to save. */
  #release(file: DocumentFile): void {
    const entry = this.#entries.get(file.path);
    if (entry?.file === file && entry.refs === 0 && (!file.dirty || file.gone !== undefined)) {
      this.#drop(file);
    }
  }

  #drop(file: DocumentFile): void {
    if (this.#entries.get(file.path)?.file === file) this.#entries.delete(file.path);
    file.destroy();
  }
}
