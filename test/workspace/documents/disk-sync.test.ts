import assert from 'node:assert/strict';
import { chmod, lstat, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as Y from 'yjs';
import { DISK_ORIGIN, type DocumentGoneReason } from '../../../src/workspace/documents/index.js';
import { deferred, openStore, replicaOf, syncDocs } from './helpers.js';

const MANUAL = { autosaveDebounceMs: 3_600_000, autosaveMaxWaitMs: 3_600_000 };
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

test('a CRLF file with a BOM and no final newline keeps every byte that was not edited', async (t) => {
  const original = Buffer.concat([BOM, Buffer.from('first\r\nsecond é😀 e\u0301\r\nlast')]);
  const { store, read } = await openStore(t, { 'win.txt': original }, MANUAL);
  const shared = await store.openDocument('win.txt');
  assert.equal(shared.text.toString(), 'first\nsecond é😀 e\u0301\nlast');
  assert.deepEqual(shared.format, { bom: true, eol: 'crlf' });

  shared.text.insert('first\n'.length, 'inserted ');
  shared.text.insert(shared.text.length, '\nappended');
  await store.closeDocument('win.txt');

  const expected = Buffer.concat([
    BOM,
    Buffer.from('first\r\ninserted second é😀 e\u0301\r\nlast\r\nappended'),
  ]);
  assert.deepEqual(await read('win.txt'), expected);
});

test('an opened file that was not changed is never rewritten', async (t) => {
  const { root, store } = await openStore(t, { 'a.txt': 'same\r\n', 'b.txt': 'x\n' }, MANUAL);
  const before = await stat(join(root, 'a.txt'));
  const beforeB = await stat(join(root, 'b.txt'));
  await store.openDocument('a.txt');
  const b = await store.openDocument('b.txt');
  b.text.insert(0, 'y'); // an edit undone before the save leaves the bytes as they were
  b.text.delete(0, 1);
  assert.equal(b.dirty, true);
  await store.flushAll();
  await store.close();
  for (const [name, earlier] of [
    ['a.txt', before],
    ['b.txt', beforeB],
  ] as const) {
    const after = await stat(join(root, name));
    assert.equal(after.ino, earlier.ino, `${name} was not replaced`);
    assert.equal(after.mtimeMs, earlier.mtimeMs, `${name} was not written`);
  }
});

test('a save replaces the file atomically, keeping its mode and any symlink to it', async (t) => {
  const { root, store, read } = await openStore(t, { 'real.sh': '#!/bin/sh\n' }, MANUAL);
  await chmod(join(root, 'real.sh'), 0o751);
  await symlink('real.sh', join(root, 'link.sh'));
  const shared = await store.openDocument('link.sh');
  shared.text.insert(shared.text.length, 'echo hi\n');
  await store.flushAll();
  assert.equal((await read('real.sh')).toString(), '#!/bin/sh\necho hi\n');
  assert.equal((await stat(join(root, 'real.sh'))).mode & 0o777, 0o751);
  assert.ok((await lstat(join(root, 'link.sh'))).isSymbolicLink());
});

test("the echo of the store's own save is ignored", async (t) => {
  const { store } = await openStore(t, { 'a.txt': 'a' }, MANUAL);
  const shared = await store.openDocument('a.txt');
  shared.text.insert(1, 'b');
  await store.flushAll();
  let updates = 0;
  shared.doc.on('update', () => (updates += 1));
  await store.onDiskChange('a.txt');
  assert.equal(updates, 0);
  assert.equal(shared.dirty, false);
});

test('an outside change is folded in as a minimal diff without a save loop', async (t) => {
  const { root, store } = await openStore(t, { 'a.txt': 'one\ntwo\nthree\n' }, MANUAL);
  const shared = await store.openDocument('a.txt');
  const cursor = Y.createRelativePositionFromTypeIndex(shared.text, 9); // the 'h' of three
  const origins: unknown[] = [];
  shared.doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
  await writeFile(join(root, 'a.txt'), 'one\r\nTWO\r\nthree\r\n'); // a formatter, CRLF now
  const inodeAfterOutsideWrite = (await stat(join(root, 'a.txt'))).ino;
  await store.onDiskChange('a.txt');

  assert.equal(shared.text.toString(), 'one\nTWO\nthree\n');
  assert.deepEqual(origins, [DISK_ORIGIN]);
  const abs = Y.createAbsolutePositionFromRelativePosition(cursor, shared.doc);
  assert.equal(abs?.index, 9);
  assert.deepEqual(shared.format, { bom: false, eol: 'crlf' }, 'the format follows the disk');
  assert.equal(shared.dirty, false);
  await store.close();
  assert.equal((await stat(join(root, 'a.txt'))).ino, inodeAfterOutsideWrite, 'not saved back');
});

test('an outside edit while a remote peer types in the same file keeps both', async (t) => {
  const { root, store, read } = await openStore(t, { 'a.ts': 'let a = 1;\nlet b = 2;\n' }, MANUAL);
  const shared = await store.openDocument('a.ts');
  const guest = replicaOf(shared.doc);
  const guestText = guest.getText('content');

  // The guest's edit reaches the host but is not saved yet when the disk changes.
  guestText.insert(guestText.length, 'let c = 3;\n');
  syncDocs(shared.doc, guest);
  await writeFile(join(root, 'a.ts'), 'const a = 1;\nlet b = 2;\n');
  // A second guest edit is still in flight while the host folds the disk change in.
  guestText.insert(0, '// header\n');
  await store.onDiskChange('a.ts');
  syncDocs(shared.doc, guest);

  const both = '// header\nconst a = 1;\nlet b = 2;\nlet c = 3;\n';
  assert.equal(shared.text.toString(), both);
  assert.equal(guestText.toString(), both);
  await store.flushAll();
  assert.equal((await read('a.ts')).toString(), both);
});

test('an outside change not yet reported is merged, not overwritten, by a save', async (t) => {
  const { root, store, read } = await openStore(t, { 'a.txt': 'alpha\nbeta\n' }, MANUAL);
  const shared = await store.openDocument('a.txt');
  shared.text.insert(shared.text.length, 'gamma\n');
  await writeFile(join(root, 'a.txt'), 'ALPHA\nbeta\n'); // the watcher has not told us yet
  await store.flushAll();
  assert.equal((await read('a.txt')).toString(), 'ALPHA\nbeta\ngamma\n');
  assert.equal(shared.text.toString(), 'ALPHA\nbeta\ngamma\n');
});

test('a deleted file ends autosaving and is never recreated', async (t) => {
  const gone = deferred<[string, DocumentGoneReason]>();
  const { root, store } = await openStore(
    t,
    { 'a.txt': 'a', 'b.txt': 'b' },
    {
      ...MANUAL,
      onDocumentGone: (path, reason) => gone.resolve([path, reason]),
    },
  );
  const a = await store.openDocument('a.txt');
  await rm(join(root, 'a.txt'));
  await store.onDiskChange('a.txt');
  assert.deepEqual(await gone.promise, ['a.txt', 'deleted']);
  assert.equal(a.gone, 'deleted');
  a.text.insert(0, 'late edit');
  await store.flushAll();
  await assert.rejects(readFile(join(root, 'a.txt')), { code: 'ENOENT' });

  // Deleted with unsaved edits and no watcher report: the save notices instead of recreating.
  const b = await store.openDocument('b.txt');
  b.text.insert(1, 'b');
  await rm(join(root, 'b.txt'));
  await store.flushAll();
  assert.equal(b.gone, 'deleted');
  await assert.rejects(readFile(join(root, 'b.txt')), { code: 'ENOENT' });
  await store.closeDocument('b.txt');
  assert.equal(store.get('b.txt'), undefined);
});

test('a file that became binary ends autosaving and keeps its new bytes', async (t) => {
  const reasons: DocumentGoneReason[] = [];
  const { root, store, read } = await openStore(
    t,
    { 'a.txt': 'text' },
    {
      ...MANUAL,
      onDocumentGone: (_path, reason) => reasons.push(reason),
    },
  );
  const shared = await store.openDocument('a.txt');
  const binary = Uint8Array.of(0x00, 0x01, 0x02);
  await writeFile(join(root, 'a.txt'), binary);
  await store.onDiskChange('a.txt');
  assert.deepEqual(reasons, ['binary']);
  assert.equal(shared.text.toString(), 'text', 'the document is not replaced by garbage');
  shared.text.insert(0, 'x');
  await store.flushAll();
  assert.deepEqual(new Uint8Array(await read('a.txt')), binary);
});

test('changes to paths that are not open are ignored', async (t) => {
  const { store } = await openStore(t, { 'a.txt': 'a' }, MANUAL);
  await store.onDiskChange('a.txt');
  await store.onDiskChange('../../etc/passwd');
  assert.equal(store.get('a.txt'), undefined);
});
