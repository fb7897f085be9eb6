import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, parse } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  MIRROR_MARKER_FILE,
  MirrorDirNotEmptyError,
  openMirror,
  PathRejectedError,
  UnsafeMirrorDirError,
  WorkspaceLimitError,
  type Mirror,
  type MirrorOptions,
  type PathRejectedReason,
} from '../../src/workspace/index.js';
import { tempDir, writeTree } from './helpers.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function setup(
  t: TestContext,
  options?: MirrorOptions,
): Promise<{ base: string; dir: string; outside: string; mirror: Mirror }> {
  const base = await tempDir(t);
  const outside = join(base, 'outside');
  await mkdir(outside);
  const dir = join(base, 'mirror');
  const mirror = await openMirror(dir, options);
  t.after(() => mirror.close());
  return { base, dir, outside, mirror };
}

async function rejectsWith(promise: Promise<unknown>, reason: PathRejectedReason): Promise<void> {
  await assert.rejects(
    promise,
    (error: unknown) => error instanceof PathRejectedError && error.reason === reason,
  );
}

/** Every name under `dir`, recursively, except the mirror's own marker file. */
async function allNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .map(String)
    .filter((name) => name !== MIRROR_MARKER_FILE)
    .sort();
}

/** The names directly in `dir`, except the mirror's own marker file. */
async function topNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name !== MIRROR_MARKER_FILE).sort();
}

async function markerOf(dir: string): Promise<unknown> {
  return JSON.parse(await readFile(join(dir, MIRROR_MARKER_FILE), 'utf8'));
}

test('opening a mirror creates the folder and marks it as a mirror', async (t) => {
  const base = await tempDir(t);
  const mirror = await openMirror(join(base, 'a', 'b'));
  assert.ok((await stat(mirror.root)).isDirectory());
  assert.deepEqual(await markerOf(mirror.root), { tandem: 'mirror', version: 1 });
  await mkdir(join(base, 'empty'));
  const empty = await openMirror(join(base, 'empty'));
  assert.deepEqual(await readdir(empty.root), [MIRROR_MARKER_FILE]);
});

test("a non-empty folder that is not a mirror is refused and the user's files stay", async (t) => {
  const base = await tempDir(t);
  await writeTree(base, { 'mine/notes.txt': 'mine', 'dotfile/.hidden': '', 'subdir/x/': '' });
  for (const name of ['mine', 'dotfile', 'subdir']) {
    await assert.rejects(openMirror(join(base, name)), (error: unknown) => {
      assert.ok(error instanceof MirrorDirNotEmptyError);
      assert.equal(error.dir, join(base, name));
      assert.match(error.message, /is not empty and is not a Tandem mirror; choose a new or empty/);
      return true;
    });
  }
  assert.equal(await readFile(join(base, 'mine', 'notes.txt'), 'utf8'), 'mine');
  assert.deepEqual(await readdir(join(base, 'mine')), ['notes.txt']);
});

test('a folder that is already a mirror is reopened with its files', async (t) => {
  const base = await tempDir(t);
  const first = await openMirror(join(base, 'pair'));
  await first.writeFile('src/a.ts', bytes('a'));
  await first.close();
  const again = await openMirror(join(base, 'pair'));
  assert.equal(await readFile(join(again.root, 'src', 'a.ts'), 'utf8'), 'a');
  assert.deepEqual(await again.listLocal(), [
    { path: 'src', kind: 'dir' },
    { path: 'src/a.ts', kind: 'file' },
  ]);
});

test('a marker that is not one Tandem wrote does not make a folder a mirror', async (t) => {
  const base = await tempDir(t);
  await writeTree(base, {
    [`garbage/${MIRROR_MARKER_FILE}`]: 'not json',
    'garbage/notes.txt': 'mine',
    [`other/${MIRROR_MARKER_FILE}`]: '{"tandem":"something-else","version":1}',
    'other/notes.txt': 'mine',
    [`dir/${MIRROR_MARKER_FILE}/`]: '',
    [`real/${MIRROR_MARKER_FILE}`]: '{"tandem":"mirror","version":1}',
    'linked/notes.txt': 'mine',
  });
  await symlink(join(base, 'real', MIRROR_MARKER_FILE), join(base, 'linked', MIRROR_MARKER_FILE));
  for (const name of ['garbage', 'other', 'dir', 'linked']) {
    await assert.rejects(openMirror(join(base, name)), MirrorDirNotEmptyError, name);
  }
  assert.equal(await readFile(join(base, 'garbage', 'notes.txt'), 'utf8'), 'mine');
});

test('a folder holding only a broken marker is treated as empty and marked again', async (t) => {
  const base = await tempDir(t);
  await writeTree(base, { [`crashed/${MIRROR_MARKER_FILE}`]: '', 'outside.txt': 'keep' });
  await mkdir(join(base, 'planted'));
  await symlink(join(base, 'outside.txt'), join(base, 'planted', MIRROR_MARKER_FILE));
  await openMirror(join(base, 'crashed'));
  assert.deepEqual(await markerOf(join(base, 'crashed')), { tandem: 'mirror', version: 1 });
  await openMirror(join(base, 'planted'));
  assert.ok((await lstat(join(base, 'planted', MIRROR_MARKER_FILE))).isFile());
  assert.equal(await readFile(join(base, 'outside.txt'), 'utf8'), 'keep');
});

test('the marker is never listed, pruned, removed or written by the host', async (t) => {
  const { dir, mirror } = await setup(t);
  await writeTree(dir, { 'a.txt': '', 'sub/x.txt': '' });
  assert.deepEqual(await mirror.listLocal(), [
    { path: 'a.txt', kind: 'file' },
    { path: 'sub', kind: 'dir' },
    { path: 'sub/x.txt', kind: 'file' },
  ]);
  assert.deepEqual((await mirror.prune(new Set())).sort(), ['a.txt', 'sub', 'sub/x.txt']);
  await rejectsWith(mirror.remove(MIRROR_MARKER_FILE), 'ignored');
  await rejectsWith(mirror.writeFile(MIRROR_MARKER_FILE, bytes('{}')), 'ignored');
  await rejectsWith(mirror.writeFile('.Tandem-Mirror', bytes('{}')), 'ignored');
  await rejectsWith(mirror.ensureDir(`sub/${MIRROR_MARKER_FILE}`), 'ignored');
  await rejectsWith(mirror.beginFile(MIRROR_MARKER_FILE, 2), 'ignored');
  assert.deepEqual(await readdir(dir), [MIRROR_MARKER_FILE]);
  assert.deepEqual(await markerOf(dir), { tandem: 'mirror', version: 1 });
});

test("one file's failure is a named error, so the guest can skip just that file", async (t) => {
  const { dir, mirror, outside } = await setup(t, { maxFileBytes: 10 });
  await writeTree(dir, { 'plain.txt': 'x', 'folder/': '' });
  await symlink(outside, join(dir, 'linked'));
  const named = (reason: PathRejectedReason) => (error: unknown) =>
    error instanceof PathRejectedError && error.reason === reason;
  // A symlink where a folder should be.
  await assert.rejects(mirror.writeFile('linked/a.txt', bytes('x')), named('outside'));
  await assert.rejects(mirror.ensureDir('linked'), named('outside'));
  // A file where a folder should be, and a folder where a file should be.
  await assert.rejects(mirror.writeFile('plain.txt/a.txt', bytes('x')), named('invalid'));
  await assert.rejects(mirror.ensureDir('plain.txt'), named('invalid'));
  await assert.rejects(mirror.writeFile('folder', bytes('x')), named('invalid'));
  await assert.rejects(mirror.beginFile('folder', 1), named('invalid'));
  // Names that reach .git on some filesystem.
  for (const path of ['.git.', 'x/.git./config', '.GIT ', 'git~1']) {
    await assert.rejects(mirror.writeFile(path, bytes('x')), named('ignored'), path);
  }
  // A file over the limit.
  await assert.rejects(mirror.writeFile('big.bin', new Uint8Array(11)), WorkspaceLimitError);
  // Something appearing in the way between begin and commit.
  const writer = await mirror.beginFile('late.txt', 1);
  await writer.write(bytes('x'));
  await mkdir(join(dir, 'late.txt'));
  await assert.rejects(writer.commit(), named('invalid'));
  // The mirror still works afterwards.
  await mirror.writeFile('folder/ok.txt', bytes('ok'));
  assert.equal(await readFile(join(dir, 'folder', 'ok.txt'), 'utf8'), 'ok');
});

test('a per-file disk error becomes a PathRejectedError with the disk error as cause', async (t) => {
  const { dir, mirror } = await setup(t);
  await writeTree(dir, { 'a/': '' });
  // The lstat walk sees `a` as a folder; it turns into a file before the write lands.
  const writer = await mirror.beginFile('a/b/c.txt', 1);
  await writer.write(bytes('c'));
  await rm(join(dir, 'a'), { recursive: true });
  await writeFile(join(dir, 'a'), 'now a file');
  await assert.rejects(writer.commit(), (error: unknown) => {
    assert.ok(error instanceof PathRejectedError, String(error));
    assert.equal(error.reason, 'invalid');
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOTDIR');
    return true;
  });
});

test('the filesystem root, the home directory and its ancestors are refused', async (t) => {
  await assert.rejects(openMirror(parse(process.cwd()).root), UnsafeMirrorDirError);
  await assert.rejects(openMirror(homedir()), UnsafeMirrorDirError);
  const base = await tempDir(t);
  const fakeHome = join(base, 'home', 'me');
  await mkdir(fakeHome, { recursive: true });
  await assert.rejects(openMirror(fakeHome, { homeDir: fakeHome }), UnsafeMirrorDirError);
  await assert.rejects(openMirror(join(base, 'home'), { homeDir: fakeHome }), UnsafeMirrorDirError);
  await symlink(fakeHome, join(base, 'alias'));
  await assert.rejects(
    openMirror(join(base, 'alias'), { homeDir: fakeHome }),
    UnsafeMirrorDirError,
  );
  await openMirror(join(fakeHome, 'pairing'), { homeDir: fakeHome });
});

test('writeFile creates parents and sets content, mode and mtime', async (t) => {
  const { dir, mirror } = await setup(t);
  const mtimeMs = Date.UTC(2020, 0, 2, 3, 4, 5);
  await mirror.writeFile('src/deep/a.ts', bytes('hello'), { mtimeMs });
  await mirror.writeFile('run.sh', bytes('#!/bin/sh'), { executable: true });
  assert.equal(await readFile(join(dir, 'src', 'deep', 'a.ts'), 'utf8'), 'hello');
  assert.equal(Math.round((await stat(join(dir, 'src', 'deep', 'a.ts'))).mtimeMs), mtimeMs);
  if (process.platform !== 'win32') {
    assert.notEqual((await stat(join(dir, 'run.sh'))).mode & 0o100, 0);
    assert.equal((await stat(join(dir, 'src', 'deep', 'a.ts'))).mode & 0o111, 0);
  }
  await mirror.writeFile('src/deep/a.ts', bytes('replaced'));
  assert.equal(await readFile(join(dir, 'src', 'deep', 'a.ts'), 'utf8'), 'replaced');
});

test('an atomic write leaves no temporary file behind, on success or failure', async (t) => {
  const { dir, mirror } = await setup(t);
  await mirror.writeFile('a.txt', bytes('a'));
  await mirror.ensureDir('taken');
  await assert.rejects(mirror.writeFile('taken', bytes('x')), PathRejectedError);
  assert.deepEqual(await allNames(dir), ['a.txt', 'taken']);
});

test('a malicious host cannot escape the mirror with parent or absolute paths', async (t) => {
  const { mirror, outside } = await setup(t);
  await rejectsWith(mirror.writeFile('../outside/x', bytes('x')), 'invalid');
  await rejectsWith(mirror.writeFile('a/../../outside/x', bytes('x')), 'invalid');
  await rejectsWith(mirror.writeFile(join(outside, 'x'), bytes('x')), 'invalid');
  await rejectsWith(mirror.writeFile('C:\\x', bytes('x')), 'invalid');
  await rejectsWith(mirror.ensureDir('../escape'), 'invalid');
  await rejectsWith(mirror.remove('../outside'), 'invalid');
  await rejectsWith(mirror.beginFile('../x', 1), 'invalid');
  assert.deepEqual(await readdir(outside), []);
});

test('a symlink planted in the mirror is never written through', async (t) => {
  const { dir, mirror, outside } = await setup(t);
  await symlink(outside, join(dir, 'planted'));
  await symlink(join(outside, 'target.txt'), join(dir, 'file-link'));
  await rejectsWith(mirror.writeFile('planted/x.txt', bytes('x')), 'outside');
  await rejectsWith(mirror.ensureDir('planted/sub'), 'outside');
  await rejectsWith(mirror.writeFile('file-link', bytes('x')), 'outside');
  await rejectsWith(mirror.beginFile('planted/big', 10), 'outside');
  await rejectsWith(mirror.remove('planted/anything'), 'outside');
  assert.deepEqual(await readdir(outside), []);
});

test('removing a planted symlink removes the link, not its target', async (t) => {
  const { dir, mirror, outside } = await setup(t);
  await writeFile(join(outside, 'keep.txt'), 'keep');
  await symlink(outside, join(dir, 'planted'));
  await mirror.remove('planted');
  await assert.rejects(lstat(join(dir, 'planted')));
  assert.equal(await readFile(join(outside, 'keep.txt'), 'utf8'), 'keep');
});

test('the mirror refuses .git paths in any disguise', async (t) => {
  const { mirror, dir } = await setup(t);
  for (const path of [
    '.git/hooks/pre-commit',
    '.git/config',
    'sub/.git/config',
    '.GIT/config',
    '.git./config',
    '.git /config',
    'git~1/config',
    '.g\u200cit/config',
    '.git::$INDEX_ALLOCATION/config',
  ]) {
    await rejectsWith(mirror.writeFile(path, bytes('x')), 'ignored');
  }
  await rejectsWith(mirror.ensureDir('.git'), 'ignored');
  await rejectsWith(mirror.remove('.git'), 'ignored');
  assert.deepEqual(await topNames(dir), []);
});

test('Windows-unsafe names are refused when Windows names are checked', async (t) => {
  const { mirror } = await setup(t, { windowsNames: true });
  for (const path of ['CON', 'src/nul.txt', 'a:stream', 'trailing.', 'q?.txt']) {
    await rejectsWith(mirror.writeFile(path, bytes('x')), 'invalid');
  }
  await mirror.writeFile('fine.txt', bytes('x'));
});

test('a streamed file appears only on commit and leaves no temporary file', async (t) => {
  const { dir, mirror } = await setup(t);
  const writer = await mirror.beginFile('big/data.bin', 6, { executable: false });
  await writer.write(bytes('abc'));
  await writer.write(bytes('def'));
  await assert.rejects(stat(join(dir, 'big', 'data.bin')));
  await writer.commit({ mtimeMs: Date.UTC(2021, 5, 6) });
  assert.equal(await readFile(join(dir, 'big', 'data.bin'), 'utf8'), 'abcdef');
  assert.deepEqual(await allNames(dir), ['big', join('big', 'data.bin')]);
});

test(
  'commit can make a streamed file executable',
  { skip: process.platform === 'win32' },
  async (t) => {
    const { dir, mirror } = await setup(t);
    const writer = await mirror.beginFile('tool', 2);
    await writer.write(bytes('#!'));
    await writer.commit({ executable: true });
    assert.notEqual((await stat(join(dir, 'tool'))).mode & 0o100, 0);
  },
);

test('a streamed file that overruns or falls short of its size is discarded', async (t) => {
  const { dir, mirror } = await setup(t);
  const over = await mirror.beginFile('over.bin', 3);
  await assert.rejects(over.write(bytes('four')), WorkspaceLimitError);
  await assert.rejects(over.commit(), /finished/);
  const short = await mirror.beginFile('short.bin', 10);
  await short.write(bytes('abc'));
  await assert.rejects(short.commit(), /3 of 10 bytes/);
  const aborted = await mirror.beginFile('aborted.bin', 3);
  await aborted.write(bytes('ab'));
  await aborted.abort();
  await aborted.abort();
  assert.deepEqual(await topNames(dir), []);
});

test('file size and open-writer limits are enforced', async (t) => {
  const { mirror } = await setup(t, { maxFileBytes: 10, maxOpenWriters: 2 });
  await assert.rejects(mirror.writeFile('a', new Uint8Array(11)), WorkspaceLimitError);
  await assert.rejects(mirror.beginFile('a', 11), WorkspaceLimitError);
  await assert.rejects(mirror.beginFile('a', -1), RangeError);
  const one = await mirror.beginFile('one', 1);
  await mirror.beginFile('two', 1);
  await assert.rejects(
    mirror.beginFile('three', 1),
    (error: unknown) =>
      error instanceof WorkspaceLimitError && error.limit === 'MAX_OPEN_FILE_WRITERS',
  );
  await one.abort();
  const three = await mirror.beginFile('three', 1);
  await three.abort();
});

test('close aborts files still being streamed', async (t) => {
  const { dir, mirror } = await setup(t);
  const writer = await mirror.beginFile('pending.bin', 5);
  await writer.write(bytes('ab'));
  await mirror.close();
  assert.deepEqual(await topNames(dir), []);
});

test('remove deletes files and directory trees, and missing paths are fine', async (t) => {
  const { dir, mirror } = await setup(t);
  await mirror.writeFile('a/b/c.txt', bytes('c'));
  await mirror.writeFile('a/d.txt', bytes('d'));
  await mirror.writeFile('e.txt', bytes('e'));
  await mirror.remove('e.txt');
  await mirror.remove('a');
  await mirror.remove('never/was');
  assert.deepEqual(await topNames(dir), []);
});

test('remove leaves a nested .git directory in place', async (t) => {
  const { dir, mirror } = await setup(t);
  await writeTree(dir, { 'vendor/lib/.git/HEAD': 'ref', 'vendor/lib/a.c': '' });
  await mirror.remove('vendor');
  assert.deepEqual(await allNames(dir), [
    'vendor',
    join('vendor', 'lib'),
    join('vendor', 'lib', '.git'),
    join('vendor', 'lib', '.git', 'HEAD'),
  ]);
});

test('listLocal lists parents first and leaves out .git', async (t) => {
  const { dir, mirror } = await setup(t);
  await writeTree(dir, { 'b.txt': '', 'a/c.txt': '', '.git/HEAD': '' });
  await symlink('b.txt', join(dir, 'link'));
  assert.deepEqual(await mirror.listLocal(), [
    { path: 'a', kind: 'dir' },
    { path: 'a/c.txt', kind: 'file' },
    { path: 'b.txt', kind: 'file' },
    { path: 'link', kind: 'file' },
  ]);
});

test('prune removes what the host does not have and keeps .git and preserved paths', async (t) => {
  const { dir, mirror } = await setup(t);
  await writeTree(dir, {
    'src/keep.ts': '',
    'src/stale.ts': '',
    'old/x.ts': '',
    'node_modules/pkg/index.js': '',
    '.git/HEAD': 'ref',
    '.tandem-0123456789abcdef.tmp': 'left by a crash',
  });
  const removed = await mirror.prune(new Set(['src/keep.ts']), {
    preserve: (path) => path === 'node_modules',
  });
  assert.deepEqual(removed.sort(), [
    '.tandem-0123456789abcdef.tmp',
    'old',
    'old/x.ts',
    'src/stale.ts',
  ]);
  assert.deepEqual(await readdir(dir).then((names) => names.sort()), [
    '.git',
    MIRROR_MARKER_FILE,
    'node_modules',
    'src',
  ]);
  assert.deepEqual(await readdir(join(dir, 'src')), ['keep.ts']);
});

test('prune never removes a file being streamed', async (t) => {
  const { dir, mirror } = await setup(t);
  const writer = await mirror.beginFile('incoming.bin', 2);
  await writer.write(bytes('ab'));
  await mirror.prune(new Set());
  await writer.commit();
  assert.equal(await readFile(join(dir, 'incoming.bin'), 'utf8'), 'ab');
});

test('a local file’s digest is read through the same gate as a write, never through a symlink', async (t) => {
  const { dir, outside, mirror } = await setup(t);
  await mirror.writeFile('a.txt', bytes('hello'));
  assert.equal(
    await mirror.digestLocal('a.txt'),
    '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
  );
  assert.equal(await mirror.digestLocal('missing.txt'), undefined);
  await writeFile(join(outside, 'secret.txt'), 'outside');
  await symlink(join(outside, 'secret.txt'), join(dir, 'link.txt'));
  await symlink(outside, join(dir, 'out'));
  await rejectsWith(mirror.digestLocal('link.txt'), 'outside');
  await rejectsWith(mirror.digestLocal('out/secret.txt'), 'outside');
  await rejectsWith(mirror.digestLocal('../outside/secret.txt'), 'invalid');
  await mkdir(join(dir, 'folder'));
  await rejectsWith(mirror.digestLocal('folder'), 'invalid');
});
