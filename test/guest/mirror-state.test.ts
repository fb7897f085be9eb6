/** The mirror's own files: its temporary files and the state folder it keeps between runs. */
import assert from 'node:assert/strict';
import { mkdir, open, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MirrorSync } from '../../src/guest/mirror-sync.js';
import { loadWorkspaceRules, openMirror, WorkspaceLimitError } from '../../src/workspace/index.js';
import { isMirrorTempName, MIRROR_STATE_DIR, tempName } from '../../src/workspace/mirror-names.js';
import {
  MAX_MIRROR_STATE_BYTES,
  MIRROR_STATE_FILE,
  readMirrorState,
  writeMirrorState,
} from '../../src/workspace/mirror-state.js';
import { tempDir } from '../workspace/helpers.js';

test('one pattern names the mirror’s temporary files, and nothing else', () => {
  assert.ok(isMirrorTempName(tempName()));
  assert.ok(isMirrorTempName('.tandem-B2489F41425E8C21.tmp'), 'any case');
  for (const name of [
    '.tandem-mirror',
    MIRROR_STATE_DIR,
    '.tandem-b2489f41425e8c2.tmp',
    '.tandem-b2489f41425e8c21.tmp.txt',
    'x.tandem-b2489f41425e8c21.tmp',
    '.tandem-notahexnumber00.tmp',
  ]) {
    assert.equal(isMirrorTempName(name), false, name);
  }
});

test('a host never shares a temporary file or a mirror state folder', async (t) => {
  const root = await tempDir(t);
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('.tandem-b2489f41425e8c21.tmp', false), false);
  assert.equal(rules.isShared('src/.tandem-b2489f41425e8c21.tmp', false), false);
  assert.equal(rules.isShared(MIRROR_STATE_DIR, true), false);
  assert.equal(rules.isShared(`${MIRROR_STATE_DIR}/state.json`, false), false);
  assert.equal(rules.isShared('src/tandem.tmp', false), true);
});

test('a host may not write into the mirror’s state folder or over a temporary file', async (t) => {
  const mirror = await openMirror(await tempDir(t));
  for (const path of [`${MIRROR_STATE_DIR}/state.json`, 'a/.tandem-b2489f41425e8c21.tmp']) {
    await assert.rejects(mirror.writeFile(path, Buffer.from('x')), { reason: 'ignored' });
  }
});

test('the saved state round-trips and leaves out entries that are not wire paths', async (t) => {
  const root = await tempDir(t);
  const digest = 'a'.repeat(64);
  await writeMirrorState(root, {
    session: 's',
    files: new Map([
      ['src/a.ts', digest],
      ['../escape', digest],
      ['b.txt', 'not a digest'],
    ]),
    dirs: new Set(['src', '/abs']),
  });
  const state = await readMirrorState(root);
  assert.deepEqual([...state!.files], [['src/a.ts', digest]]);
  assert.deepEqual([...state!.dirs], ['src']);
});

test('a state file over its limit is not read, and the mirror starts as if it had none', async (t) => {
  const root = await tempDir(t);
  const mirror = await openMirror(root);
  await mkdir(join(root, MIRROR_STATE_DIR));
  const file = await open(join(root, MIRROR_STATE_DIR, MIRROR_STATE_FILE), 'w');
  await file.truncate(MAX_MIRROR_STATE_BYTES + 1);
  await file.close();
  await assert.rejects(readMirrorState(root), WorkspaceLimitError);
  const errors: unknown[] = [];
  const sync = new MirrorSync(mirror, { onStateError: (e) => errors.push(e) });
  assert.equal(await sync.load('s'), false);
  assert.equal(errors.length, 1);
});

test('a symlink in place of the state folder is never written through', async (t) => {
  const root = await tempDir(t);
  const elsewhere = await tempDir(t);
  await symlink(elsewhere, join(root, MIRROR_STATE_DIR));
  await assert.rejects(
    writeMirrorState(root, { session: 's', files: new Map(), dirs: new Set() }),
    /is not a folder/,
  );
});
