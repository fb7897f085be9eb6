import assert from 'node:assert/strict';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  loadWorkspaceRules,
  MIRROR_MARKER_FILE,
  openMirror,
  SharedFolderIsMirrorError,
  watchWorkspace,
  type WorkspaceChange,
  type WorkspaceWatcher,
} from '../../src/workspace/index.js';
import { tempDir, writeTree } from './helpers.js';

/** How long a test waits for an expected change before failing. */
const EVENT_TIMEOUT_MS = 5000;
/** Quiet period after which no further change is expected. */
const SETTLE_MS = 400;

interface Harness {
  root: string;
  changes: WorkspaceChange[];
  /** Errors passed to `onError`; a test that expects some must empty this before it ends. */
  errors: Error[];
  watcher: WorkspaceWatcher;
  /** Resolves once `predicate` holds for the changes seen so far. */
  waitFor(predicate: (changes: WorkspaceChange[]) => boolean): Promise<void>;
  /** Waits until no change has arrived for a while. */
  settle(): Promise<void>;
}

async function start(t: TestContext, files: Record<string, string> = {}): Promise<Harness> {
  const root = await tempDir(t);
  await writeTree(root, files);
  const rules = await loadWorkspaceRules(root);
  const changes: WorkspaceChange[] = [];
  let notify = (): void => {};
  let last = Date.now();
  const errors: Error[] = [];
  const watcher = watchWorkspace(root, rules, {
    debounceMs: 50,
    onChange: (change) => {
      changes.push(change);
      last = Date.now();
      notify();
    },
    onError: (error) => {
      errors.push(error);
      notify();
    },
  });
  t.after(async () => {
    await watcher.close();
    assert.deepEqual(errors, []);
  });
  await watcher.ready;
  const waitFor = (predicate: (changes: WorkspaceChange[]) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out; saw ${JSON.stringify(changes)}`));
      }, EVENT_TIMEOUT_MS);
      notify = () => {
        if (predicate(changes)) {
          clearTimeout(timer);
          resolve();
        }
      };
      notify();
    });
  const settle = async (): Promise<void> => {
    last = Date.now();
    while (Date.now() - last < SETTLE_MS) await new Promise((r) => setTimeout(r, 50));
  };
  return { root, changes, errors, watcher, waitFor, settle };
}

const summary = (changes: WorkspaceChange[]): string[] =>
  changes.map((c) => `${c.type}:${c.kind}:${c.path}`);
const has = (type: string, path: string) => (changes: WorkspaceChange[]) =>
  changes.some((c) => c.type === type && c.path === path);

test('the watcher reports a created file as an upsert with its size', async (t) => {
  const h = await start(t);
  await writeFile(join(h.root, 'new.txt'), 'hello');
  await h.waitFor(has('upsert', 'new.txt'));
  const change = h.changes.find((c) => c.path === 'new.txt');
  assert.ok(change?.type === 'upsert');
  assert.equal(change.kind, 'file');
  assert.equal(change.size, 5);
});

test('the watcher reports a modified file as an upsert', async (t) => {
  const h = await start(t, { 'a.txt': 'one' });
  await writeFile(join(h.root, 'a.txt'), 'three');
  await h.waitFor((changes) => changes.some((c) => c.type === 'upsert' && c.size === 5));
});

test('the watcher reports a deleted file and a deleted directory once', async (t) => {
  const h = await start(t, { 'a.txt': '', 'dir/b.txt': '', 'dir/sub/c.txt': '' });
  await unlink(join(h.root, 'a.txt'));
  await h.waitFor(has('delete', 'a.txt'));
  await rm(join(h.root, 'dir'), { recursive: true });
  await h.waitFor(has('delete', 'dir'));
  await h.settle();
  assert.deepEqual(summary(h.changes), ['delete:file:a.txt', 'delete:dir:dir']);
});

test('the watcher reports a rename as a delete and an upsert', async (t) => {
  const h = await start(t, { 'old.txt': 'x' });
  await rename(join(h.root, 'old.txt'), join(h.root, 'new.txt'));
  await h.waitFor((c) => has('delete', 'old.txt')(c) && has('upsert', 'new.txt')(c));
});

test("an editor's save-by-rename ends as one upsert", async (t) => {
  const h = await start(t, { 'doc.md': 'v1' });
  const temp = join(h.root, 'doc.md.tmp-1234');
  await writeFile(temp, 'version 2');
  await rename(temp, join(h.root, 'doc.md'));
  await h.waitFor(has('upsert', 'doc.md'));
  await h.settle();
  assert.deepEqual(summary(h.changes), ['upsert:file:doc.md']);
});

test('a save that moves the original to a backup first ends as one upsert', async (t) => {
  const h = await start(t, { 'doc.md': 'v1' });
  await rename(join(h.root, 'doc.md'), join(h.root, 'doc.md~'));
  await writeFile(join(h.root, 'doc.md'), 'version 2');
  await unlink(join(h.root, 'doc.md~'));
  await h.waitFor(has('upsert', 'doc.md'));
  await h.settle();
  assert.deepEqual(summary(h.changes), ['upsert:file:doc.md']);
});

test('ignored files, secrets and .git are not reported', async (t) => {
  const h = await start(t, { '.gitignore': '*.log\nbuild/\n', 'build/': '', '.git/': '' });
  await writeFile(join(h.root, 'debug.log'), 'x');
  await writeFile(join(h.root, '.env'), 'TOKEN=1');
  await writeFile(join(h.root, 'build', 'out.js'), 'x');
  await writeFile(join(h.root, '.git', 'index'), 'x');
  await writeFile(join(h.root, 'visible.txt'), 'x');
  await h.waitFor(has('upsert', 'visible.txt'));
  await h.settle();
  assert.deepEqual(summary(h.changes), ['upsert:file:visible.txt']);
});

test('a new directory with files is reported parents first', async (t) => {
  const h = await start(t);
  await mkdir(join(h.root, 'pkg', 'src'), { recursive: true });
  await writeFile(join(h.root, 'pkg', 'src', 'i.ts'), '');
  await h.waitFor(has('upsert', 'pkg/src/i.ts'));
  const paths = h.changes.map((c) => c.path);
  assert.ok(paths.indexOf('pkg') < paths.indexOf('pkg/src/i.ts'));
});

test('editing .gitignore reloads the rules and reports what became hidden or shared', async (t) => {
  const h = await start(t, {
    '.gitignore': 'generated/\n',
    'notes.txt': 'n',
    'generated/out.js': 'g',
  });
  await writeFile(join(h.root, '.gitignore'), '*.txt\n');
  await h.waitFor((c) => has('delete', 'notes.txt')(c) && has('upsert', 'generated/out.js')(c));
  assert.ok(has('upsert', 'generated')(h.changes));
  h.changes.length = 0;
  // The newly shared directory is watched from now on.
  await writeFile(join(h.root, 'generated', 'more.js'), 'm');
  await h.waitFor(has('upsert', 'generated/more.js'));
});

test('close stops reporting and can be called twice', async (t) => {
  const h = await start(t);
  await h.watcher.close();
  await writeFile(join(h.root, 'late.txt'), 'x');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(h.changes, []);
  await h.watcher.close();
});

test('a folder that becomes a Tandem mirror is reported deleted and then left alone', async (t) => {
  const h = await start(t, { 'pair/a.txt': 'a', 'pair/sub/b.txt': 'b', 'other.txt': '' });
  await writeFile(join(h.root, 'pair', MIRROR_MARKER_FILE), '');
  await h.waitFor(has('delete', 'pair'));
  await writeFile(join(h.root, 'pair', 'new.txt'), 'n');
  await writeFile(join(h.root, 'pair', 'sub', 'b.txt'), 'changed');
  await writeFile(join(h.root, 'visible.txt'), 'v');
  await h.waitFor(has('upsert', 'visible.txt'));
  await h.settle();
  assert.deepEqual(summary(h.changes), ['delete:dir:pair', 'upsert:file:visible.txt']);
});

test('a mirror opened inside the watched folder ends unshared, whatever it receives', async (t) => {
  const h = await start(t, { 'src/a.ts': 'a' });
  const mirror = await openMirror(join(h.root, 'pair'));
  await mirror.writeFile('src/a.ts', new TextEncoder().encode('a'));
  await h.waitFor(has('delete', 'pair'));
  await mirror.writeFile('src/b.ts', new TextEncoder().encode('b'));
  await mirror.ensureDir('pair/pair');
  await h.settle();
  const last = h.changes.map((c) => c.path).lastIndexOf('pair');
  assert.equal(h.changes[last]?.type, 'delete');
  const after = h.changes.slice(last + 1).filter((c) => c.path.startsWith('pair'));
  assert.deepEqual(summary(after), []);
});

test('the watched root becoming a mirror stops reporting with a named error', async (t) => {
  const h = await start(t, { 'a.txt': '' });
  await writeFile(join(h.root, MIRROR_MARKER_FILE), '{"tandem":"mirror","version":1}');
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const poll = (): void => {
      if (h.errors.length > 0) return resolve();
      if (Date.now() > deadline) return reject(new Error('no error reported'));
      setTimeout(poll, 20);
    };
    poll();
  });
  assert.ok(h.errors[0] instanceof SharedFolderIsMirrorError, String(h.errors[0]));
  h.errors.length = 0;
  await writeFile(join(h.root, 'b.txt'), 'b');
  await unlink(join(h.root, 'a.txt'));
  await h.settle();
  assert.deepEqual(h.changes, []);
});
