import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, lstat, readdir, readFile, readlink, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  FileOperationError,
  HostFileOps,
  loadWorkspaceRules,
  PathRejectedError,
  type FileOperationCode,
  type HostFileOpsOptions,
  type PathRejectedReason,
} from '../../src/workspace/index.js';
import { fileErrorFromFs } from '../../src/workspace/file-ops-error.js';
import { isRoot, tempDir, writeTree } from './helpers.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

interface Fixture {
  base: string;
  root: string;
  outside: string;
  ops: HostFileOps;
}

/**
 * A shared folder `root` next to a folder `outside` it must never reach, with secrets, ignored
 * paths, ignore files and symlinks of every kind.
 */
async function fixture(
  t: TestContext,
  options: Partial<HostFileOpsOptions> = {},
): Promise<Fixture> {
  const base = await tempDir(t, 'tandem-ops-');
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await writeTree(base, {
    'outside/secret.txt': 'top secret',
    'outside/dir/inner.txt': 'inner',
    'root/src/a.ts': 'export const a = 1;\n',
    'root/src/lib/b.ts': 'export const b = 2;\n',
    'root/script.sh': '#!/bin/sh\necho hi\n',
    'root/.gitignore': 'node_modules/\ndist/\n/pkg/local.json\n',
    'root/.tandemignore': 'private/\n',
    'root/node_modules/x/index.js': 'module.exports = 1;',
    'root/dist/out.js': '',
    'root/private/notes.txt': 'mine',
    'root/pkg/index.ts': '',
    'root/pkg/local.json': '{"token": 1}',
    'root/app/index.ts': '',
    'root/app/node_modules/y/index.js': '',
    'root/withignore/.gitignore': 'tmp/\n',
    'root/withignore/a.ts': '',
    'root/.env': 'TOKEN=1',
    'root/.git/config': '[core]',
    'root/id_rsa': 'PRIVATE KEY',
  });
  await chmod(join(root, 'script.sh'), 0o755);
  await symlink(join(outside, 'secret.txt'), join(root, 'link-out-file'));
  await symlink(join(outside, 'dir'), join(root, 'link-out-dir'));
  await symlink('link-chain-2', join(root, 'link-chain'));
  await symlink('../outside/secret.txt', join(root, 'link-chain-2'));
  await symlink('loop-b', join(root, 'loop-a'));
  await symlink('loop-a', join(root, 'loop-b'));
  await symlink('src/a.ts', join(root, 'link-in'));
  await symlink('src', join(root, 'link-in-dir'));
  const rules = await loadWorkspaceRules(root);
  return { base, root, outside, ops: new HostFileOps({ root, rules, ...options }) };
}

/** Every entry under `dir` with its kind, mode, size, content hash and link target. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const name of (await readdir(abs)).sort()) {
      const childAbs = join(abs, name);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const info = await lstat(childAbs);
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isSymbolicLink()) {
        result[childRel] = `link ${await readlink(childAbs)}`;
      } else if (info.isDirectory()) {
        result[childRel] = `dir ${mode}`;
        await walk(childAbs, childRel);
      } else if (!info.isFile()) {
        result[childRel] = `special ${mode}`; // Reading a FIFO would block.
      } else {
        const hash = createHash('sha256')
          .update(await readFile(childAbs))
          .digest('hex');
        result[childRel] = `file ${mode} ${info.size} ${hash}`;
      }
    }
  };
  await walk(dir, '');
  return result;
}

type Refusal = { rejected: PathRejectedReason } | { failed: FileOperationCode };

function matches(error: unknown, expected: Refusal): boolean {
  if ('rejected' in expected) {
    return error instanceof PathRejectedError && error.reason === expected.rejected;
  }
  return error instanceof FileOperationError && error.code === expected.failed;
}

/** Asserts that `run` is refused as `expected` and that nothing on disk changed. */
async function refused(
  fx: Fixture,
  run: (ops: HostFileOps) => Promise<unknown>,
  expected: Refusal,
): Promise<void> {
  const before = await snapshot(fx.base);
  await assert.rejects(run(fx.ops), (error: unknown) => {
    assert.ok(matches(error, expected), `expected ${JSON.stringify(expected)}, got ${error}`);
    // Messages quote wire paths only, never where the host keeps its folder.
    assert.ok(!(error as Error).message.includes(fx.base), (error as Error).message);
    return true;
  });
  assert.deepEqual(await snapshot(fx.base), before);
}

// Paths that exist (or would) somewhere a guest must never reach, with the gate's verdict.
const ESCAPES: readonly [string, PathRejectedReason][] = [
  ['../outside/secret.txt', 'invalid'],
  ['src/../../outside/secret.txt', 'invalid'],
  ['/etc/passwd', 'invalid'],
  ['C:\\Windows\\win.ini', 'invalid'],
  ['C:/Windows/win.ini', 'invalid'],
  ['\\\\server\\share\\x', 'invalid'],
  ['link-out-file', 'outside'],
  ['link-out-dir/inner.txt', 'outside'],
  ['link-chain', 'outside'],
  ['loop-a', 'outside'],
  ['.git/config', 'ignored'],
  ['.env', 'ignored'],
  ['id_rsa', 'ignored'],
  ['node_modules/x/index.js', 'ignored'],
  ['private/notes.txt', 'ignored'],
];

// Names that do not exist yet, but whose creation would escape or reveal a secret.
const NEW_ESCAPES: readonly [string, PathRejectedReason][] = [
  ['../outside/new.txt', 'invalid'],
  ['a/../../new.txt', 'invalid'],
  ['/tmp/new.txt', 'invalid'],
  ['D:\\new.txt', 'invalid'],
  ['link-out-dir/new.txt', 'outside'],
  ['link-out-dir/deeper/new.txt', 'outside'],
  ['.git/hooks/pre-commit', 'ignored'],
  ['.env.local', 'ignored'],
  ['src/.env', 'ignored'],
  ['id_rsa.new', 'ignored'],
  ['node_modules/evil/index.js', 'ignored'],
  ['dist/new.js', 'ignored'],
];

const IGNORE_FILES = [
  '.gitignore',
  '.tandemignore',
  'withignore/.gitignore',
  '.GitIgnore',
  '.gitignore.',
  'src/.gitignore',
  'src/.tandemignore',
];

test('stat describes shared files and folders, and a symlink as its target', async (t) => {
  const fx = await fixture(t);
  const { ops } = fx;
  const file = await ops.stat('./src/a.ts');
  assert.equal(file.path, 'src/a.ts');
  assert.equal(file.kind, 'file');
  assert.equal(file.size, 20);
  assert.equal((await ops.stat('src')).kind, 'dir');
  assert.equal((await ops.stat('script.sh')).executable, true);
  assert.equal((await ops.stat('link-in')).kind, 'file');
  assert.equal((await ops.stat('.gitignore')).kind, 'file');
  await refused(fx, (o) => o.stat('src/missing.ts'), { failed: 'not-found' });
});

test('createFile writes new files, creating missing folders, and never replaces one', async (t) => {
  const fx = await fixture(t);
  await fx.ops.createFile('src/new.ts', bytes('hello'));
  await fx.ops.createFile('docs/guide/intro.md');
  assert.equal(await readFile(join(fx.root, 'src/new.ts'), 'utf8'), 'hello');
  assert.equal(await readFile(join(fx.root, 'docs/guide/intro.md'), 'utf8'), '');
  await refused(fx, (ops) => ops.createFile('src/a.ts', bytes('x')), { failed: 'exists' });
  await refused(fx, (ops) => ops.createFile('link-in', bytes('x')), { failed: 'exists' });
});

test('createDirectory makes folders, nested ones too, and refuses an existing one', async (t) => {
  const fx = await fixture(t);
  await fx.ops.createDirectory('src/empty');
  await fx.ops.createDirectory('a/b/c');
  assert.ok((await stat(join(fx.root, 'src/empty'))).isDirectory());
  assert.ok((await stat(join(fx.root, 'a/b/c'))).isDirectory());
  await refused(fx, (ops) => ops.createDirectory('src'), { failed: 'exists' });
  await refused(fx, (ops) => ops.createDirectory('src/a.ts'), { failed: 'exists' });
});

test('writeFile replaces content atomically, keeps the mode and leaves no temporary file', async (t) => {
  const fx = await fixture(t);
  await fx.ops.writeFile('script.sh', bytes('#!/bin/sh\necho bye\n'));
  await fx.ops.writeFile('src/a.ts', bytes('export const a = 2;\n'));
  assert.equal(await readFile(join(fx.root, 'script.sh'), 'utf8'), '#!/bin/sh\necho bye\n');
  assert.equal((await stat(join(fx.root, 'script.sh'))).mode & 0o777, 0o755);
  assert.deepEqual(
    (await readdir(fx.root)).filter((name) => name.startsWith('.tandem-')),
    [],
  );
  assert.deepEqual(await readdir(join(fx.root, 'src')), ['a.ts', 'lib']);
});

test('writeFile through a symlink inside the folder replaces its target and keeps the link', async (t) => {
  const fx = await fixture(t);
  await fx.ops.writeFile('link-in', bytes('via link'));
  assert.equal(await readFile(join(fx.root, 'src/a.ts'), 'utf8'), 'via link');
  assert.ok((await lstat(join(fx.root, 'link-in'))).isSymbolicLink());
  await fx.ops.writeFile('link-in-dir/lib/b.ts', bytes('via dir link'));
  assert.equal(await readFile(join(fx.root, 'src/lib/b.ts'), 'utf8'), 'via dir link');
});

test('writeFile refuses missing files, folders and special files', async (t) => {
  const fx = await fixture(t);
  await refused(fx, (ops) => ops.writeFile('src/missing.ts', bytes('x')), {
    failed: 'not-found',
  });
  await refused(fx, (ops) => ops.writeFile('src', bytes('x')), { failed: 'is-a-directory' });
  execFileSync('mkfifo', [join(fx.root, 'pipe')]);
  await refused(fx, (ops) => ops.writeFile('pipe', bytes('x')), { failed: 'unsupported' });
});

test('a write over MAX_WRITE_BYTES is refused before anything touches the disk', async (t) => {
  const fx = await fixture(t, { maxWriteBytes: 16 });
  const big = new Uint8Array(17).fill(0x61);
  await refused(fx, (ops) => ops.writeFile('src/a.ts', big), { failed: 'too-large' });
  await refused(fx, (ops) => ops.createFile('src/big.ts', big), { failed: 'too-large' });
  await fx.ops.writeFile('src/a.ts', big.subarray(0, 16));
  await assert.rejects(fx.ops.writeFile('src/a.ts', 'text' as unknown as Uint8Array), TypeError);
});

test('rename moves files and whole folders, creating missing parents', async (t) => {
  const fx = await fixture(t);
  await fx.ops.rename('src/a.ts', 'src/lib/a2.ts');
  assert.equal(await readFile(join(fx.root, 'src/lib/a2.ts'), 'utf8'), 'export const a = 1;\n');
  await fx.ops.rename('src/lib', 'moved/lib');
  assert.deepEqual((await readdir(join(fx.root, 'moved/lib'))).sort(), ['a2.ts', 'b.ts']);
  await fx.ops.rename('moved', 'moved');
  assert.ok((await stat(join(fx.root, 'moved'))).isDirectory());
});

test('rename of a symlink moves the link, not its target', async (t) => {
  const fx = await fixture(t);
  await fx.ops.rename('link-in-dir', 'src-link');
  assert.equal(await readlink(join(fx.root, 'src-link')), 'src');
  assert.ok((await stat(join(fx.root, 'src/a.ts'))).isFile());
});

test('rename refuses to overwrite unless asked, and then replaces a file', async (t) => {
  const fx = await fixture(t);
  await refused(fx, (ops) => ops.rename('src/a.ts', 'src/lib/b.ts'), { failed: 'exists' });
  await fx.ops.rename('src/a.ts', 'src/lib/b.ts', { overwrite: true });
  assert.equal(await readFile(join(fx.root, 'src/lib/b.ts'), 'utf8'), 'export const a = 1;\n');
  await refused(fx, (ops) => ops.rename('src/lib/b.ts', 'src', { overwrite: true }), {
    failed: 'is-a-directory',
  });
  await refused(fx, (ops) => ops.rename('src/lib', 'script.sh', { overwrite: true }), {
    failed: 'not-a-directory',
  });
  // A folder replaces only an empty one; the fs error for a full one comes back as `exists`.
  await refused(fx, (ops) => ops.rename('src/lib', 'app', { overwrite: true }), {
    failed: 'exists',
  });
  await fx.ops.createDirectory('empty');
  await refused(fx, (ops) => ops.rename('src/lib', 'empty'), { failed: 'exists' });
  await fx.ops.rename('src/lib', 'empty', { overwrite: true });
  assert.deepEqual(await readdir(join(fx.root, 'empty')), ['b.ts']);
});

test('rename refuses a missing source and a folder moved into itself', async (t) => {
  const fx = await fixture(t);
  await refused(fx, (ops) => ops.rename('src/missing.ts', 'src/x.ts'), { failed: 'not-found' });
  await refused(fx, (ops) => ops.rename('src', 'src/lib/src'), { failed: 'invalid' });
});

test('a folder whose hidden files would become visible elsewhere cannot be moved', async (t) => {
  const fx = await fixture(t);
  // `/pkg/local.json` is anchored: at `pkg2/local.json` it would be shared.
  await refused(fx, (ops) => ops.rename('pkg', 'pkg2'), { failed: 'protected' });
  // `node_modules/` matches at any depth, so the move reveals nothing.
  await fx.ops.rename('app', 'app2');
  assert.ok((await stat(join(fx.root, 'app2/node_modules/y/index.js'))).isFile());
});

test('delete removes files and folders recursively', async (t) => {
  const fx = await fixture(t);
  await fx.ops.delete('src/a.ts');
  await fx.ops.delete('src');
  await assert.rejects(lstat(join(fx.root, 'src')), { code: 'ENOENT' });
  await refused(fx, (ops) => ops.delete('src'), { failed: 'not-found' });
});

test('delete of a symlink removes the link and leaves its target', async (t) => {
  const fx = await fixture(t);
  await fx.ops.delete('link-in');
  await fx.ops.delete('link-in-dir');
  await assert.rejects(lstat(join(fx.root, 'link-in')), { code: 'ENOENT' });
  await assert.rejects(lstat(join(fx.root, 'link-in-dir')), { code: 'ENOENT' });
  assert.equal(await readFile(join(fx.root, 'src/a.ts'), 'utf8'), 'export const a = 1;\n');
});

test('a folder holding files guests cannot see is left to the host', async (t) => {
  const fx = await fixture(t);
  await refused(fx, (ops) => ops.delete('app'), { failed: 'protected' });
  await refused(fx, (ops) => ops.delete('pkg'), { failed: 'protected' });
});

test('a delete over MAX_DELETE_ENTRIES is refused and deletes nothing', async (t) => {
  const fx = await fixture(t, { maxDeleteEntries: 2 });
  await refused(fx, (ops) => ops.delete('src'), { failed: 'too-large' });
  await fx.ops.delete('src/lib');
});

test('the folder itself cannot be deleted or renamed', async (t) => {
  const fx = await fixture(t);
  await symlink('.', join(fx.root, 'self'));
  for (const path of ['', '.', './', 'src/..']) {
    await refused(fx, (ops) => ops.delete(path), { rejected: 'invalid' });
    await refused(fx, (ops) => ops.rename(path, 'elsewhere'), { rejected: 'invalid' });
  }
  await refused(fx, (ops) => ops.delete('self'), { rejected: 'invalid' });
  await refused(fx, (ops) => ops.rename('self', 'elsewhere'), { rejected: 'invalid' });
});

for (const [path, reason] of ESCAPES) {
  test(`every operation refuses ${JSON.stringify(path)} as ${reason}`, async (t) => {
    const fx = await fixture(t);
    const expected = { rejected: reason };
    await refused(fx, (ops) => ops.stat(path), expected);
    await refused(fx, (ops) => ops.writeFile(path, bytes('pwned')), expected);
    await refused(fx, (ops) => ops.createFile(path, bytes('pwned')), expected);
    await refused(fx, (ops) => ops.createDirectory(path), expected);
    await refused(fx, (ops) => ops.rename(path, 'src/moved.txt'), expected);
    await refused(fx, (ops) => ops.rename('src/a.ts', path), expected);
    await refused(fx, (ops) => ops.rename('src/a.ts', path, { overwrite: true }), expected);
    await refused(fx, (ops) => ops.delete(path), expected);
  });
}

for (const [path, reason] of NEW_ESCAPES) {
  test(`creating or moving to ${JSON.stringify(path)} is refused as ${reason}`, async (t) => {
    const fx = await fixture(t);
    const expected = { rejected: reason };
    await refused(fx, (ops) => ops.createFile(path, bytes('pwned')), expected);
    await refused(fx, (ops) => ops.createDirectory(path), expected);
    await refused(fx, (ops) => ops.writeFile(path, bytes('pwned')), expected);
    await refused(fx, (ops) => ops.rename('src/a.ts', path), expected);
    await refused(fx, (ops) => ops.rename('src/lib', path), expected);
  });
}

for (const path of IGNORE_FILES) {
  test(`a guest cannot create, write, rename or delete ${JSON.stringify(path)}`, async (t) => {
    const fx = await fixture(t);
    const expected = { failed: 'protected' } as const;
    await refused(fx, (ops) => ops.createFile(path, bytes('!*\n')), expected);
    await refused(fx, (ops) => ops.createDirectory(path), expected);
    await refused(fx, (ops) => ops.writeFile(path, bytes('!*\n')), expected);
    await refused(fx, (ops) => ops.rename(path, 'src/rules.txt'), expected);
    await refused(fx, (ops) => ops.rename('src/a.ts', path, { overwrite: true }), expected);
    await refused(fx, (ops) => ops.delete(path), expected);
  });
}

test('ignore files are also protected behind a symlink and inside folders', async (t) => {
  const fx = await fixture(t);
  await symlink('.gitignore', join(fx.root, 'rules-link'));
  await refused(fx, (ops) => ops.writeFile('rules-link', bytes('!*\n')), { failed: 'protected' });
  await refused(fx, (ops) => ops.createFile('.gitignore/x'), { failed: 'protected' });
  await refused(fx, (ops) => ops.rename('withignore', 'elsewhere'), { failed: 'protected' });
  await refused(fx, (ops) => ops.delete('withignore'), { failed: 'protected' });
  assert.equal((await fx.ops.stat('rules-link')).kind, 'file');
});

test(
  'a write the disk refuses keeps the old file and leaves no temporary file',
  { skip: isRoot && 'root ignores permissions' },
  async (t) => {
    const fx = await fixture(t);
    const dir = join(fx.root, 'src');
    await chmod(dir, 0o555);
    t.after(() => chmod(dir, 0o755));
    await refused(fx, (ops) => ops.writeFile('src/a.ts', bytes('new')), { failed: 'failed' });
  },
);

test('a filesystem error becomes a FileOperationError that quotes only the wire path', () => {
  const raw = Object.assign(new Error("EACCES: permission denied, open '/home/me/p/src/a.ts'"), {
    code: 'EACCES',
  });
  const error = fileErrorFromFs(raw, { path: 'src/a.ts', verb: 'write' });
  assert.equal(error.name, 'FileOperationError');
  assert.equal(error.code, 'failed');
  assert.equal(error.path, 'src/a.ts');
  assert.equal(error.cause, raw);
  assert.equal(
    error.message,
    'Could not write "src/a.ts" on the host (EACCES); ask the host to check the folder.',
  );
  assert.equal(
    fileErrorFromFs(Object.assign(new Error(), { code: 'ENOENT' }), { path: 'x', verb: 'read' })
      .code,
    'not-found',
  );
});
