import assert from 'node:assert/strict';
import { chmod, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  loadWorkspaceRules,
  MIRROR_MARKER_FILE,
  openMirror,
  scanWorkspace,
  WorkspaceLimitError,
  type ScanOptions,
  type WorkspaceEntry,
  type WorkspaceRules,
} from '../../src/workspace/index.js';
import { isRoot, tempDir, writeTree } from './helpers.js';

async function collect(
  root: string,
  rules: WorkspaceRules,
  options?: ScanOptions,
): Promise<WorkspaceEntry[]> {
  const entries: WorkspaceEntry[] = [];
  for await (const entry of scanWorkspace(root, rules, options)) entries.push(entry);
  return entries;
}

test('entries come parents first, siblings sorted, with size and kind', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'b.txt': 'bb', 'a/z.ts': 'z', 'a/c/d.ts': 'dddd', 'A.md': '' });
  const rules = await loadWorkspaceRules(root);
  const entries = await collect(root, rules);
  assert.deepEqual(
    entries.map((e) => `${e.kind}:${e.path}`),
    ['file:A.md', 'dir:a', 'dir:a/c', 'file:a/c/d.ts', 'file:a/z.ts', 'file:b.txt'],
  );
  const d = entries.find((e) => e.path === 'a/c/d.ts');
  assert.equal(d?.size, 4);
  assert.equal(typeof d?.mtimeMs, 'number');
  assert.deepEqual(await collect(root, rules), entries, 'two scans agree');
});

test('ignored files and directories and built-in secrets are skipped', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    '.gitignore': 'node_modules/\n*.log\n',
    'node_modules/x/index.js': '',
    'debug.log': '',
    '.env': 'SECRET=1',
    '.git/config': '',
    id_rsa: '',
    'src/ok.ts': '',
  });
  const rules = await loadWorkspaceRules(root);
  const paths = (await collect(root, rules)).map((e) => e.path);
  assert.deepEqual(paths, ['.gitignore', 'src', 'src/ok.ts']);
});

test('the executable bit is reported', { skip: process.platform === 'win32' }, async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'run.sh': '#!/bin/sh\n', 'data.txt': '' });
  await chmod(join(root, 'run.sh'), 0o755);
  const rules = await loadWorkspaceRules(root);
  const entries = await collect(root, rules);
  assert.equal(entries.find((e) => e.path === 'run.sh')?.executable, true);
  assert.equal(entries.find((e) => e.path === 'data.txt')?.executable, false);
});

test('symlinks to inside files are files; to directories or outside, skipped', async (t) => {
  const base = await tempDir(t);
  const root = join(base, 'root');
  await writeTree(base, { 'outside/secret.txt': 'x', 'root/src/a.ts': 'abc', 'root/.env': 'S=1' });
  await symlink(join(root, 'src', 'a.ts'), join(root, 'link-a.ts'));
  await symlink(join(base, 'outside', 'secret.txt'), join(root, 'leak.txt'));
  await symlink(join(base, 'outside'), join(root, 'leak-dir'));
  await symlink(join(root, 'src'), join(root, 'src-alias'));
  await symlink('.', join(root, 'loop'));
  await symlink('.env', join(root, 'env-alias'));
  await symlink('missing', join(root, 'dangling'));
  const rules = await loadWorkspaceRules(root);
  const skipped: string[] = [];
  const entries = await collect(root, rules, { onSkip: (path) => skipped.push(path) });
  assert.deepEqual(
    entries.map((e) => `${e.kind}:${e.path}`),
    ['file:link-a.ts', 'dir:src', 'file:src/a.ts'],
  );
  assert.equal(entries[0]?.size, 3);
  assert.deepEqual(skipped.sort(), [
    'dangling',
    'env-alias',
    'leak-dir',
    'leak.txt',
    'loop',
    'src-alias',
  ]);
});

test(
  'unreadable directories are skipped without failing the scan',
  { skip: isRoot || process.platform === 'win32' },
  async (t) => {
    const root = await tempDir(t);
    await writeTree(root, { 'locked/a.txt': '', 'open/b.txt': '' });
    await chmod(join(root, 'locked'), 0o000);
    try {
      const rules = await loadWorkspaceRules(root);
      const paths = (await collect(root, rules)).map((e) => e.path);
      assert.deepEqual(paths, ['open', 'open/b.txt']);
    } finally {
      await chmod(join(root, 'locked'), 0o755); // So that the cleanup can remove it.
    }
  },
);

test(
  'names that cannot travel on the wire are skipped and reported',
  { skip: process.platform === 'win32' },
  async (t) => {
    const root = await tempDir(t);
    await writeTree(root, { 'back\\slash.txt': '', 'new\nline.txt': '', 'fine.txt': '' });
    const rules = await loadWorkspaceRules(root);
    const skipped: string[] = [];
    const paths = (await collect(root, rules, { onSkip: (p) => skipped.push(p) })).map(
      (e) => e.path,
    );
    assert.deepEqual(paths, ['fine.txt']);
    assert.equal(skipped.length, 2);
  },
);

test('a scan past the entry limit stops with a clear error', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'a.txt': '', 'b.txt': '', 'c/d.txt': '' });
  const rules = await loadWorkspaceRules(root);
  await assert.rejects(
    collect(root, rules, { maxEntries: 3 }),
    (error: unknown) =>
      error instanceof WorkspaceLimitError &&
      error.limit === 'MAX_SCAN_ENTRIES' &&
      /more than 3 shared entries/.test(error.message),
  );
  assert.equal((await collect(root, rules, { maxEntries: 4 })).length, 4);
});

test('a scan can be aborted', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'a.txt': '', 'b.txt': '' });
  const rules = await loadWorkspaceRules(root);
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await assert.rejects(collect(root, rules, { signal: controller.signal }), /stop/);
});

test('a folder of 50,000 files is scanned completely', async (t) => {
  const base = await tempDir(t);
  const root = join(base, 'root');
  const dirs = 50;
  const perDir = 1000;
  // Hard links to one file: creating 50,000 inodes is very slow on some CI disks, and the scan
  // sees links as the regular files they are. The seed stays outside the root.
  const seed = join(base, 'seed');
  await writeFile(seed, '');
  for (let d = 0; d < dirs; d++) {
    const dir = join(root, `d${d}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(Array.from({ length: perDir }, (_, f) => link(seed, join(dir, `f${f}.txt`))));
  }
  const rules = await loadWorkspaceRules(root);
  let files = 0;
  let directories = 0;
  for await (const entry of scanWorkspace(root, rules)) {
    if (entry.kind === 'file') files++;
    else directories++;
  }
  assert.equal(files, dirs * perDir);
  assert.equal(directories, dirs);
});

test('a Tandem mirror inside the shared folder is skipped with everything in it', async (t) => {
  const root = await tempDir(t);
  const mirror = await openMirror(join(root, 'pair'));
  await mirror.writeFile('src/a.ts', new Uint8Array(1));
  await writeTree(root, {
    'src/a.ts': '',
    'deep/in/pair/x.ts': '',
    'notes/.tandem-mirror/': '',
    'notes/todo.md': '',
  });
  await writeFile(join(root, 'deep', 'in', 'pair', MIRROR_MARKER_FILE), '');
  const rules = await loadWorkspaceRules(root);
  const paths = (await collect(root, rules)).map((e) => e.path);
  assert.deepEqual(paths, ['deep', 'deep/in', 'src', 'src/a.ts']);
});

test('a stray marker file in any case is never listed, though its folder is', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'sub/.Tandem-Mirror': '', 'sub/a.txt': '' });
  const paths = (await collect(root, await loadWorkspaceRules(root))).map((e) => e.path);
  assert.deepEqual(paths, ['sub', 'sub/a.txt']);
});
