import assert from 'node:assert/strict';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { MirrorBases } from '../../src/guest/mirror-bases.js';
import { MirrorSync, type MovedAsideEvent } from '../../src/guest/mirror-sync.js';
import { openMirror } from '../../src/workspace/index.js';
import { MIRROR_STATE_DIR } from '../../src/workspace/mirror-names.js';
import { tempDir } from '../workspace/helpers.js';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** A mirror over a fresh folder, and a sync that records the paths it hands back. */
async function setUp(t: TestContext): Promise<{ root: string; sync: MirrorSync; kept: string[] }> {
  const root = await tempDir(t, 'tandem-sync-');
  const kept: string[] = [];
  const sync = new MirrorSync(await openMirror(root), { onKept: (path) => kept.push(path) });
  return { root, sync, kept };
}

/** Sends a snapshot of whole small files, as the host does after each connection. */
async function snapshot(sync: MirrorSync, files: Record<string, string>): Promise<void> {
  const paths = Object.keys(files);
  const dirs = new Set(
    paths.flatMap((p) => (p.includes('/') ? [p.slice(0, p.lastIndexOf('/'))] : [])),
  );
  const entries = [
    ...[...dirs].map((path) => ({ path, kind: 'dir' as const, size: 0, executable: false })),
    ...paths.map((path) => ({
      path,
      kind: 'file' as const,
      size: Buffer.byteLength(files[path]!),
      executable: false,
    })),
  ];
  await sync.apply({ t: 'tree', entries }, Buffer.alloc(0));
  for (const path of paths) await send(sync, path, files[path]!);
  await sync.apply({ t: 'synced', files: paths.length, bytes: 0 }, Buffer.alloc(0));
}

function send(sync: MirrorSync, path: string, content: string): ReturnType<MirrorSync['apply']> {
  const body = Buffer.from(content);
  const message = { t: 'file', path, size: body.length, offset: 0, executable: false, last: true };
  return sync.apply(message as Parameters<MirrorSync['apply']>[0], body);
}

test('a file changed in the mirror is not overwritten by the host’s content, but handed back', async (t) => {
  const { root, sync, kept } = await setUp(t);
  await snapshot(sync, { 'a.txt': 'base\n', 'b.txt': 'same\n' });
  assert.equal(Buffer.from(sync.baseOf('a.txt')!).toString(), 'base\n');

  await writeFile(join(root, 'a.txt'), 'local\n');
  await send(sync, 'a.txt', 'host\n');
  assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'local\n');
  assert.deepEqual(kept, ['a.txt']);
  assert.equal(sync.hostChanged('a.txt'), true);
  assert.equal(Buffer.from(sync.baseOf('a.txt')!).toString(), 'base\n', 'the base stays');

  // A file nobody changed locally takes the host's content as before.
  await send(sync, 'b.txt', 'newer\n');
  assert.equal(await readFile(join(root, 'b.txt'), 'utf8'), 'newer\n');
  assert.deepEqual(kept, ['a.txt']);
});

test('a file deleted in the mirror is not brought back by the host’s unchanged content', async (t) => {
  const { root, sync, kept } = await setUp(t);
  await snapshot(sync, { 'a.txt': 'base\n' });
  await rm(join(root, 'a.txt'));
  await send(sync, 'a.txt', 'base\n');
  assert.equal(await exists(join(root, 'a.txt')), false);
  assert.deepEqual(kept, ['a.txt']);
  assert.equal(sync.hostChanged('a.txt'), false, 'the host did not change it');
});

test('after a reconnect, what was made here while apart is kept and handed back', async (t) => {
  const { root, sync, kept } = await setUp(t);
  await snapshot(sync, {
    'kept.txt': 'k\n',
    'gone-untouched.txt': 'g\n',
    'gone-edited.txt': 'e\n',
  });
  // While apart: the host removes two files, the guest edits one of them and makes new ones.
  await writeFile(join(root, 'gone-edited.txt'), 'edited here\n');
  await writeFile(join(root, 'new.txt'), 'new\n');
  await rm(join(root, 'kept.txt'));
  await writeFile(join(root, 'kept.txt'), 'k\n');
  sync.restart();
  await snapshot(sync, { 'kept.txt': 'k\n' });

  assert.equal(await exists(join(root, 'gone-untouched.txt')), false, 'pruned');
  assert.equal(await readFile(join(root, 'gone-edited.txt'), 'utf8'), 'edited here\n');
  assert.equal(await readFile(join(root, 'new.txt'), 'utf8'), 'new\n');
  assert.deepEqual(kept.sort(), ['gone-edited.txt', 'new.txt']);
  assert.equal(sync.hostHas('gone-edited.txt'), false, 'to be created on the host again');
  assert.equal(sync.hostHas('gone-untouched.txt'), false);
});

test('the first snapshot still prunes a mirror from before', async (t) => {
  const { root, sync, kept } = await setUp(t);
  await writeFile(join(root, 'stale.txt'), 'old\n');
  await snapshot(sync, { 'a.txt': 'a\n' });
  assert.equal(await exists(join(root, 'stale.txt')), false);
  assert.deepEqual(kept, []);
});

test('bases stay within their budget, newest kept, and binary content is not kept', () => {
  const bases = new MirrorBases(10);
  bases.keep('a', Buffer.from('aaaa'));
  bases.keep('b', Buffer.from('bbbb'));
  assert.ok(bases.get('a'), 'a is now the most recently used');
  bases.keep('c', Buffer.from('cccc'));
  assert.equal(bases.get('b'), undefined, 'the least recently used went first');
  assert.ok(bases.get('a') && bases.get('c'));
  bases.keep('bin', Buffer.from([1, 0, 2]));
  assert.equal(bases.get('bin'), undefined);
  bases.keep('big', Buffer.alloc(11, 1));
  assert.equal(bases.get('big'), undefined);
  assert.throws(() => new MirrorBases(-1), RangeError);
});

/** A sync over an existing mirror folder that saves its state for `session`. */
async function rejoin(
  root: string,
  session: string,
): Promise<{ sync: MirrorSync; kept: string[]; asides: MovedAsideEvent[]; same: boolean }> {
  const kept: string[] = [];
  const asides: MovedAsideEvent[] = [];
  const sync = new MirrorSync(await openMirror(root), {
    onKept: (path) => kept.push(path),
    onMovedAside: (event) => asides.push(event),
  });
  const same = await sync.load(session);
  return { sync, kept, asides, same };
}

/** The backup path a move-aside event names. */
function backupOf(event: MovedAsideEvent): string {
  const text = event.event === 'reverted' ? event.message : event.reason;
  const path = /(?:saved as|mirror to) (.+)$/.exec(text)?.[1];
  assert.ok(path, text);
  return path;
}

test('rejoining the same session hands over what was changed while Tandem was not running', async (t) => {
  const root = await tempDir(t, 'tandem-sync-');
  const first = await rejoin(root, 'session-a');
  assert.equal(first.same, false);
  await snapshot(first.sync, { 'merge.txt': 'one\n', 'gone.txt': 'g\n', 'same.txt': 's\n' });
  await first.sync.close();

  // Tandem is not running: the user edits, adds and leaves a file alone.
  await writeFile(join(root, 'merge.txt'), 'one\nOFFLINE EDIT\n');
  await writeFile(join(root, 'offline-note.txt'), 'x\n');

  const second = await rejoin(root, 'session-a');
  assert.equal(second.same, true);
  // Meanwhile the host removed gone.txt.
  await snapshot(second.sync, { 'merge.txt': 'one\n', 'same.txt': 's\n' });
  assert.equal(await readFile(join(root, 'merge.txt'), 'utf8'), 'one\nOFFLINE EDIT\n');
  assert.equal(await readFile(join(root, 'offline-note.txt'), 'utf8'), 'x\n');
  assert.equal(await exists(join(root, 'gone.txt')), false, 'unchanged and gone: pruned');
  assert.deepEqual(second.kept.sort(), ['merge.txt', 'offline-note.txt']);
  assert.deepEqual(second.asides, []);
});

test('joining another session moves local work aside instead of overwriting or pruning it', async (t) => {
  const root = await tempDir(t, 'tandem-sync-');
  const first = await rejoin(root, 'session-a');
  await snapshot(first.sync, { 'edited.txt': 'e\n', 'untouched.txt': 'u\n', 'kept.txt': 'k\n' });
  await first.sync.close();
  await writeFile(join(root, 'edited.txt'), 'edited offline\n');
  await writeFile(join(root, 'new.txt'), 'new offline\n');

  const second = await rejoin(root, 'session-b');
  assert.equal(second.same, false);
  await snapshot(second.sync, { 'edited.txt': 'theirs\n', 'kept.txt': 'k\n' });
  assert.equal(await readFile(join(root, 'edited.txt'), 'utf8'), 'theirs\n');
  assert.equal(await exists(join(root, 'new.txt')), false);
  assert.equal(await exists(join(root, 'untouched.txt')), false, 'pruned without a copy');
  assert.deepEqual(second.kept, [], 'nothing of another session is sent');
  const moved = new Map(second.asides.map((event) => [event.path, backupOf(event)]));
  assert.deepEqual([...moved.keys()].sort(), ['edited.txt', 'new.txt']);
  assert.equal(await readFile(moved.get('edited.txt')!, 'utf8'), 'edited offline\n');
  assert.equal(await readFile(moved.get('new.txt')!, 'utf8'), 'new offline\n');
  assert.ok(moved.get('new.txt')!.startsWith(join(root, MIRROR_STATE_DIR, 'backup')));
  // The state folder is the mirror's own: never listed, so never pruned or sent.
  const listed = (await second.sync.close(), await openMirror(root)).listLocal();
  assert.ok(!(await listed).some((entry) => entry.path.startsWith(MIRROR_STATE_DIR)));
});

test('a mirror without a saved state keeps a differing local file, not the host’s copy over it', async (t) => {
  const { root, sync } = await setUp(t);
  await writeFile(join(root, 'a.txt'), 'mine\n');
  await writeFile(join(root, 'b.txt'), 'same\n');
  await snapshot(sync, { 'a.txt': 'theirs\n', 'b.txt': 'same\n' });
  assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'theirs\n');
  const backups = join(sync.backupDir, 'a.txt');
  assert.equal(await readFile(backups, 'utf8'), 'mine\n');
  assert.equal(await exists(join(sync.backupDir, 'b.txt')), false, 'equal content: no copy');
});

test('a temporary file left by a crash is pruned, never handed over as a change', async (t) => {
  const root = await tempDir(t, 'tandem-sync-');
  const first = await rejoin(root, 'session-a');
  await snapshot(first.sync, { 'a.txt': 'a\n' });
  await first.sync.close();
  await writeFile(join(root, '.tandem-00112233445566ff.tmp'), 'half a file');
  const second = await rejoin(root, 'session-a');
  await snapshot(second.sync, { 'a.txt': 'a\n' });
  assert.deepEqual(second.kept, []);
  assert.deepEqual(second.asides, []);
  assert.equal(await exists(join(root, '.tandem-00112233445566ff.tmp')), false);
});
