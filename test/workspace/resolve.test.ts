import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  loadWorkspaceRules,
  MIRROR_MARKER_FILE,
  openMirror,
  PathRejectedError,
  resolveInside,
  type PathRejectedReason,
  type WorkspaceRules,
} from '../../src/workspace/index.js';
import { tempDir, writeTree } from './helpers.js';

interface Fixture {
  root: string;
  outside: string;
  rules: WorkspaceRules;
}

async function fixture(t: TestContext): Promise<Fixture> {
  const base = await tempDir(t);
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await writeTree(base, {
    'outside/secret.txt': 'top secret',
    'outside/dir/inner.txt': 'inner',
    'root/src/a.ts': 'export {}',
    'root/.gitignore': 'dist/\n',
    'root/dist/out.js': '',
    'root/.env': 'TOKEN=1',
    'root/.git/config': '[core]',
  });
  return { root, outside, rules: await loadWorkspaceRules(root) };
}

async function rejectsWith(promise: Promise<unknown>, reason: PathRejectedReason): Promise<void> {
  await assert.rejects(
    promise,
    (error: unknown) => error instanceof PathRejectedError && error.reason === reason,
  );
}

test('a shared file resolves to its absolute path inside the root', async (t) => {
  const { root, rules } = await fixture(t);
  assert.equal(await resolveInside(root, 'src/a.ts', rules), join(root, 'src', 'a.ts'));
  assert.equal(await resolveInside(root, './src/', rules), join(root, 'src'));
});

test('a path that does not exist yet resolves for creation', async (t) => {
  const { root, rules } = await fixture(t);
  assert.equal(await resolveInside(root, 'src/new/b.ts', rules), join(root, 'src', 'new', 'b.ts'));
});

test('parent segments and absolute paths are rejected as invalid', async (t) => {
  const { root, rules } = await fixture(t);
  await rejectsWith(resolveInside(root, '../outside/secret.txt', rules), 'invalid');
  await rejectsWith(resolveInside(root, 'src/../../outside', rules), 'invalid');
  await rejectsWith(resolveInside(root, '/etc/passwd', rules), 'invalid');
  await rejectsWith(resolveInside(root, 'C:\\Windows', rules), 'invalid');
});

test('ignored paths, .git/config and .env are rejected as ignored', async (t) => {
  const { root, rules } = await fixture(t);
  await rejectsWith(resolveInside(root, 'dist/out.js', rules), 'ignored');
  await rejectsWith(resolveInside(root, '.git/config', rules), 'ignored');
  await rejectsWith(resolveInside(root, '.git/hooks/pre-commit', rules), 'ignored');
  await rejectsWith(resolveInside(root, '.env', rules), 'ignored');
  await rejectsWith(resolveInside(root, 'dist/new.js', rules), 'ignored');
});

test('a symlink to a file outside the root is rejected', async (t) => {
  const { root, outside, rules } = await fixture(t);
  await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
  await rejectsWith(resolveInside(root, 'leak.txt', rules), 'outside');
});

test('a symlink to a directory outside the root is rejected, with paths through it', async (t) => {
  const { root, outside, rules } = await fixture(t);
  await symlink(outside, join(root, 'out'));
  await rejectsWith(resolveInside(root, 'out', rules), 'outside');
  await rejectsWith(resolveInside(root, 'out/secret.txt', rules), 'outside');
  await rejectsWith(resolveInside(root, 'out/dir/inner.txt', rules), 'outside');
  await rejectsWith(resolveInside(root, 'out/new-file.txt', rules), 'outside');
});

test('a relative symlink that climbs out of the root is rejected', async (t) => {
  const { root, rules } = await fixture(t);
  await symlink('../../outside', join(root, 'src', 'up'));
  await rejectsWith(resolveInside(root, 'src/up/secret.txt', rules), 'outside');
});

test('a chain of symlinks is followed to its end before checking', async (t) => {
  const { root, outside, rules } = await fixture(t);
  await symlink(join(outside, 'secret.txt'), join(root, 'hop2'));
  await symlink('hop2', join(root, 'hop1'));
  await rejectsWith(resolveInside(root, 'hop1', rules), 'outside');
  await symlink('src/a.ts', join(root, 'good2'));
  await symlink('good2', join(root, 'good1'));
  assert.equal(await resolveInside(root, 'good1', rules), join(root, 'src', 'a.ts'));
});

test('a symlink inside the root to an ignored file is rejected as ignored', async (t) => {
  const { root, rules } = await fixture(t);
  await symlink('.env', join(root, 'env-link'));
  await symlink('.git', join(root, 'git-link'));
  await rejectsWith(resolveInside(root, 'env-link', rules), 'ignored');
  await rejectsWith(resolveInside(root, 'git-link/config', rules), 'ignored');
});

test('a dangling symlink is rejected, since writing through it would escape', async (t) => {
  const { root, outside, rules } = await fixture(t);
  await symlink(join(outside, 'not-yet.txt'), join(root, 'dangling'));
  await rejectsWith(resolveInside(root, 'dangling', rules), 'outside');
  await symlink(join(outside, 'no-dir'), join(root, 'dangling-dir'));
  await rejectsWith(resolveInside(root, 'dangling-dir/x.txt', rules), 'outside');
});

test('a symlink loop is rejected', async (t) => {
  const { root, rules } = await fixture(t);
  await symlink('loop-b', join(root, 'loop-a'));
  await symlink('loop-a', join(root, 'loop-b'));
  await rejectsWith(resolveInside(root, 'loop-a', rules), 'outside');
});

test('a symlink to the root itself is rejected', async (t) => {
  const { root, rules } = await fixture(t);
  await symlink('.', join(root, 'self'));
  await rejectsWith(resolveInside(root, 'self', rules), 'invalid');
});

test('a path under a file is rejected as invalid', async (t) => {
  const { root, rules } = await fixture(t);
  await rejectsWith(resolveInside(root, 'src/a.ts/x', rules), 'invalid');
});

test('a root reached through a symlink works, and rules for another root are misuse', async (t) => {
  const { root, rules } = await fixture(t);
  const alias = join(root, '..', 'alias');
  await symlink(root, alias);
  assert.equal(await resolveInside(alias, 'src/a.ts', rules), join(root, 'src', 'a.ts'));
  const other = join(root, '..', 'other');
  await mkdir(other);
  await assert.rejects(resolveInside(other, 'a.ts', rules), TypeError);
});

test('paths inside a Tandem mirror, the mirror itself and marker files are refused', async (t) => {
  const { root } = await fixture(t);
  const mirror = await openMirror(join(root, 'pair'));
  await mirror.writeFile('src/a.ts', new Uint8Array(1));
  await writeTree(root, { 'linked/': '' });
  await symlink(join(root, 'pair', 'src', 'a.ts'), join(root, 'linked', 'a.ts'));
  const rules = await loadWorkspaceRules(root);
  for (const path of [
    'pair',
    'pair/src/a.ts',
    'pair/new.ts',
    'pair/src',
    `pair/${MIRROR_MARKER_FILE}`,
    'linked/a.ts',
    MIRROR_MARKER_FILE,
    `src/${MIRROR_MARKER_FILE}`,
  ]) {
    await rejectsWith(resolveInside(root, path, rules), 'ignored');
  }
  assert.equal(await resolveInside(root, 'src/a.ts', rules), join(root, 'src', 'a.ts'));
});
