import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DocumentSaveError,
  DocumentStore,
  NotATextFileError,
  replaceFileAtomic,
  type ReplaceFile,
} from '../../../src/workspace/documents/index.js';
import {
  loadWorkspaceRules,
  MAX_TEXT_FILE_BYTES,
  PathRejectedError,
  WorkspaceLimitError,
} from '../../../src/workspace/index.js';
import { captureLogger, deferred, openStore } from './helpers.js';

/** Settings that keep autosave out of the way: tests save with flushAll/closeDocument. */
const MANUAL = { autosaveDebounceMs: 3_600_000, autosaveMaxWaitMs: 3_600_000 };

test('a text file opens as a document holding its content', async (t) => {
  const { store } = await openStore(t, { 'src/a.ts': 'export const a = 1;\n' }, MANUAL);
  const shared = await store.openDocument('src/a.ts');
  assert.equal(shared.path, 'src/a.ts');
  assert.equal(shared.text.toString(), 'export const a = 1;\n');
  assert.equal(shared.doc.getText('content'), shared.text);
  assert.deepEqual(shared.format, { bom: false, eol: 'lf' });
  assert.equal(shared.dirty, false);
  assert.equal(shared.gone, undefined);
  assert.equal(store.get('src/a.ts'), shared);
});

test('binary, invalid UTF-8, oversized and non-regular files are refused, saying why', async (t) => {
  const { root, store } = await openStore(
    t,
    {
      'logo.png': Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x00, 0x00),
      'latin1.txt': Uint8Array.of(0x63, 0x61, 0x66, 0xe9),
      'huge.txt': new Uint8Array(MAX_TEXT_FILE_BYTES + 1).fill(0x61),
    },
    MANUAL,
  );
  await mkdir(join(root, 'folder'));
  for (const [path, reason] of [
    ['logo.png', 'binary'],
    ['latin1.txt', 'invalid-utf8'],
    ['huge.txt', 'too-large'],
    ['folder', 'not-a-file'],
  ] as const) {
    await assert.rejects(store.openDocument(path), (error: unknown) => {
      assert.ok(error instanceof NotATextFileError, String(error));
      assert.equal(error.reason, reason);
      assert.equal(error.path, path);
      return true;
    });
    assert.equal(store.get(path), undefined);
  }
});

test('paths outside the workspace, ignored paths and missing files are refused', async (t) => {
  const { store } = await openStore(t, { '.env': 'SECRET=1\n', 'a.txt': 'a' }, MANUAL);
  await assert.rejects(store.openDocument('../outside.txt'), PathRejectedError);
  await assert.rejects(store.openDocument('.env'), PathRejectedError);
  await assert.rejects(store.openDocument('missing.txt'), { code: 'ENOENT' });
});

test('opening twice shares one document that lives until the last close', async (t) => {
  const { store } = await openStore(t, { 'a.txt': 'a' }, MANUAL);
  const [first, second] = await Promise.all([
    store.openDocument('a.txt'),
    store.openDocument('./a.txt'),
  ]);
  assert.equal(first, second);
  await store.closeDocument('a.txt');
  assert.equal(store.get('a.txt'), first);
  await store.closeDocument('a.txt');
  assert.equal(store.get('a.txt'), undefined);
  await assert.rejects(store.closeDocument('a.txt'), RangeError);
  const again = await store.openDocument('a.txt');
  assert.notEqual(again, first, 'a closed document is not reused');
});

test('more open documents than the limit are refused', async (t) => {
  const { store } = await openStore(
    t,
    { 'a.txt': 'a', 'b.txt': 'b' },
    {
      ...MANUAL,
      maxOpenDocuments: 1,
    },
  );
  await store.openDocument('a.txt');
  await assert.rejects(store.openDocument('b.txt'), (error: unknown) => {
    assert.ok(error instanceof WorkspaceLimitError);
    assert.equal(error.limit, 'MAX_OPEN_DOCUMENTS');
    return true;
  });
  await store.openDocument('a.txt'); // the same file again is no new document
});

test('more open bytes than the limit are refused', async (t) => {
  const { store } = await openStore(
    t,
    { 'a.txt': '12345678', 'b.txt': '12345678' },
    {
      ...MANUAL,
      maxOpenDocumentBytes: 10,
    },
  );
  await store.openDocument('a.txt');
  await assert.rejects(store.openDocument('b.txt'), (error: unknown) => {
    assert.ok(error instanceof WorkspaceLimitError);
    assert.equal(error.limit, 'MAX_OPEN_DOCUMENT_BYTES');
    return true;
  });
  assert.equal(store.get('b.txt'), undefined);
});

test('a negative delay is misuse', async (t) => {
  const { root } = await openStore(t, {});
  const rules = await loadWorkspaceRules(root);
  assert.throws(() => new DocumentStore(root, rules, { autosaveDebounceMs: -1 }), RangeError);
});

test('autosave waits for a quiet period', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const saved = deferred<string>();
  const { store, read } = await openStore(t, { 'a.txt': 'hello' }, { onSaved: saved.resolve });
  const shared = await store.openDocument('a.txt');
  shared.text.insert(5, ' world');
  assert.equal(shared.dirty, true);
  t.mock.timers.tick(299);
  assert.equal((await read('a.txt')).toString(), 'hello', 'nothing saved before the quiet period');
  t.mock.timers.tick(1);
  assert.equal(await saved.promise, 'a.txt');
  assert.equal((await read('a.txt')).toString(), 'hello world');
  assert.equal(shared.dirty, false);
});

test('autosave saves within the maximum wait under continuous typing', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const saved = deferred<string>();
  const { store, read } = await openStore(
    t,
    { 'a.txt': '' },
    { autosaveDebounceMs: 300, autosaveMaxWaitMs: 1000, onSaved: saved.resolve },
  );
  const shared = await store.openDocument('a.txt');
  for (let i = 0; i < 5; i += 1) {
    shared.text.insert(shared.text.length, String(i));
    t.mock.timers.tick(200); // never quiet for 300 ms
  }
  await saved.promise;
  assert.equal((await read('a.txt')).toString(), '01234');
});

test('a failing save keeps the edit, logs loudly, reports and retries until it succeeds', async (t) => {
  let failures = 2;
  const replaceFile: ReplaceFile = async (abs, bytes) => {
    if (failures > 0) {
      failures -= 1;
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    }
    await replaceFileAtomic(abs, bytes);
  };
  const errors: Array<[string, number]> = [];
  const saved = deferred<string>();
  const { logger, lines } = captureLogger();
  const { store, read } = await openStore(
    t,
    { 'a.txt': 'draft' },
    {
      autosaveDebounceMs: 0,
      saveRetryBaseMs: 1,
      saveRetryMaxMs: 4,
      replaceFile,
      logger,
      onSaveError: (path, _error, attempt) => errors.push([path, attempt]),
      onSaved: saved.resolve,
    },
  );
  const shared = await store.openDocument('a.txt');
  shared.text.insert(5, ' v2');
  await saved.promise;
  assert.deepEqual(errors, [
    ['a.txt', 1],
    ['a.txt', 2],
  ]);
  assert.equal((await read('a.txt')).toString(), 'draft v2');
  const loud = lines.filter((line) => line.level === 50);
  assert.equal(loud.length, 2);
  assert.equal(loud[0]?.path, 'a.txt');
  assert.ok(!JSON.stringify(lines).includes('draft'), 'file contents never reach the log');
});

test('a document whose last save failed stays in memory until a retry saves it', async (t) => {
  let broken = true;
  const replaceFile: ReplaceFile = async (abs, bytes) => {
    if (broken) throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
    await replaceFileAtomic(abs, bytes);
  };
  const saved = deferred<string>();
  const { store, read } = await openStore(
    t,
    { 'a.txt': 'one' },
    { ...MANUAL, saveRetryBaseMs: 1, saveRetryMaxMs: 2, replaceFile, onSaved: saved.resolve },
  );
  const shared = await store.openDocument('a.txt');
  shared.text.insert(3, ' two');
  await assert.rejects(store.closeDocument('a.txt'), (error: unknown) => {
    assert.ok(error instanceof DocumentSaveError);
    assert.deepEqual(error.paths, ['a.txt']);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'EROFS');
    return true;
  });
  assert.equal(store.get('a.txt'), shared, 'kept, not dropped');
  await assert.rejects(store.flushAll(), DocumentSaveError);
  broken = false;
  await saved.promise;
  assert.equal((await read('a.txt')).toString(), 'one two');
  assert.equal(store.get('a.txt'), undefined, 'freed once saved');
});

test('close saves every document and refuses new ones', async (t) => {
  const { store, read } = await openStore(t, { 'a.txt': 'a', 'b.txt': 'b' }, MANUAL);
  const a = await store.openDocument('a.txt');
  const b = await store.openDocument('b.txt');
  a.text.insert(1, '1');
  b.text.insert(1, '2');
  await store.close();
  assert.equal((await read('a.txt')).toString(), 'a1');
  assert.equal((await read('b.txt')).toString(), 'b2');
  assert.equal(store.get('a.txt'), undefined);
  await assert.rejects(store.openDocument('a.txt'), /closed/);
});

test('a throwing callback does not break saving', async (t) => {
  const { store, read } = await openStore(
    t,
    { 'a.txt': 'a' },
    {
      ...MANUAL,
      onSaved: () => {
        throw new Error('callback bug');
      },
    },
  );
  const shared = await store.openDocument('a.txt');
  shared.text.insert(1, 'b');
  await store.flushAll();
  assert.equal((await read('a.txt')).toString(), 'ab');
});
