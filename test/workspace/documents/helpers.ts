import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import * as Y from 'yjs';
import { loadWorkspaceRules } from '../../../src/workspace/index.js';
import {
  DocumentStore,
  type DocumentStoreOptions,
} from '../../../src/workspace/documents/index.js';
import { tempDir } from '../helpers.js';

export { tempDir };

/**
 * A workspace folder holding `files` and a store over it. After `t`, the store is closed before
 * the folder is removed (a store saving into a removed folder would retry forever).
 */
export async function openStore(
  t: TestContext,
  files: Record<string, string | Uint8Array>,
  options: DocumentStoreOptions = {},
): Promise<{ root: string; store: DocumentStore; read(path: string): Promise<Buffer> }> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'tandem-docs-')));
  let store: DocumentStore | undefined;
  t.after(async () => {
    await store?.close().catch(() => {});
    await rm(root, { recursive: true, force: true });
  });
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, ...path.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  store = new DocumentStore(root, await loadWorkspaceRules(root), options);
  return { root, store, read: (path) => readFile(join(root, ...path.split('/'))) };
}

/** Brings two documents up to date with each other. */
export function syncDocs(a: Y.Doc, b: Y.Doc, originA: unknown = 'remote', originB = originA): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), originB);
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), originA);
}

/** A guest's replica of `source`, made from its full state. */
export function replicaOf(source: Y.Doc): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(source), 'remote');
  return doc;
}

/** Indexes of `text` where an editor may put a cursor: never inside a surrogate pair. */
export function codePointBoundaries(text: string): number[] {
  const positions = [0];
  let index = 0;
  for (const char of text) {
    index += char.length;
    positions.push(index);
  }
  return positions;
}

/** A logger that keeps its lines as parsed objects. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** A promise and the function that resolves it, for waiting on a callback. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
