import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  assertShareable,
  loadWorkspaceRules,
  MIRROR_MARKER_FILE,
  openMirror,
  scanWorkspace,
  SharedFolderIsMirrorError,
  watchWorkspace,
  type WorkspaceRules,
} from '../../src/workspace/index.js';
import { tempDir, writeTree } from './helpers.js';

async function scanPaths(root: string, rules: WorkspaceRules): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of scanWorkspace(root, rules)) paths.push(entry.path);
  return paths;
}

const isMirrorError = (root: string) => (error: unknown) =>
  error instanceof SharedFolderIsMirrorError &&
  error.root === root &&
  /is a Tandem mirror .*; share the original folder instead\.$/.test(error.message);

test('an ordinary folder is shareable and a mirror is not', async (t) => {
  const base = await tempDir(t);
  await writeTree(base, { 'project/a.ts': '' });
  await assertShareable(join(base, 'project'));
  const mirror = await openMirror(join(base, 'pair'));
  await assert.rejects(assertShareable(mirror.root), isMirrorError(mirror.root));
});

test('scanning or watching a mirror as the shared folder fails with a named error', async (t) => {
  const base = await tempDir(t);
  const mirror = await openMirror(join(base, 'pair'));
  await mirror.writeFile('src/a.ts', new Uint8Array(1));
  // The guest loads rules for its own mirror too (to spare its ignored files when pruning).
  const rules = await loadWorkspaceRules(mirror.root);
  assert.equal(rules.isShared('src/a.ts', false), true);
  await assert.rejects(scanPaths(mirror.root, rules), isMirrorError(mirror.root));
  const watcher = watchWorkspace(mirror.root, rules, { onChange: () => {} });
  t.after(() => watcher.close());
  await assert.rejects(watcher.ready, isMirrorError(mirror.root));
});

test("a guest may watch its own mirror when it says so, to send the guest's edits", async (t) => {
  const base = await tempDir(t);
  const mirror = await openMirror(join(base, 'pair'));
  const rules = await loadWorkspaceRules(mirror.root);
  const seen: string[] = [];
  let notify = (): void => {};
  const watcher = watchWorkspace(mirror.root, rules, {
    ownMirror: true,
    debounceMs: 20,
    onChange: (change) => {
      seen.push(`${change.type}:${change.path}`);
      notify();
    },
  });
  t.after(() => watcher.close());
  await watcher.ready;
  const arrived = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no change reported')), 5000);
    notify = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  await writeFile(join(mirror.root, 'edited.txt'), 'x');
  await arrived;
  assert.deepEqual(seen, ['upsert:edited.txt']);
});

test('a guest mirroring into the shared folder on one machine does not loop', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'src/a.ts': 'a', 'README.md': 'r' });
  // `tandem join … --mirror proj/pair` while `tandem host proj` shares the same folder.
  const mirror = await openMirror(join(root, 'pair'));
  const rules = await loadWorkspaceRules(root);
  const shared = await scanPaths(root, rules);
  assert.deepEqual(shared, ['README.md', 'src', 'src/a.ts']);
  for (const path of shared) {
    if (path !== 'src') await mirror.writeFile(path, await readFile(join(root, path)));
  }
  await rules.reload();
  assert.deepEqual(await scanPaths(root, rules), shared);
  assert.equal(rules.isShared('pair/src/a.ts', false), false);
});

test('a marker file in the shared root is never shared', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'a.txt'), '');
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared(MIRROR_MARKER_FILE, false), false);
  assert.equal(rules.isShared(`deep/${MIRROR_MARKER_FILE}`, false), false);
  assert.equal(rules.isRulesFile(`deep/${MIRROR_MARKER_FILE}`), true);
});
