import { lstat, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkspaceLimitError } from './errors.js';
import { errorCode } from './mirror-failures.js';
import { MIRROR_STATE_DIR } from './mirror-names.js';
import { atomicWrite } from './mirror-writer.js';
import { normalizeRelativePath } from './path.js';

/** The file in {@link MIRROR_STATE_DIR} holding what a mirror knows between runs. */
export const MIRROR_STATE_FILE = 'state.json';

/** The folder in {@link MIRROR_STATE_DIR} where local files moved aside are kept. */
export const MIRROR_BACKUP_DIR = 'backup';

/** Version written into {@link MIRROR_STATE_FILE}; another version is not read. */
export const MIRROR_STATE_VERSION = 1;

/**
 * Largest state file read, in bytes. Threat: a corrupt or planted file exhausting memory. Past
 * it the state is not used, which is safe: local files are then moved aside, not trusted.
 */
export const MAX_MIRROR_STATE_BYTES = 64 * 1024 * 1024;

/**
 * Most attempts at a free name for one backup. Threat: a folder of look-alike names making the
 * search for a free one endless.
 */
const MAX_BACKUP_NAME_TRIES = 1000;

/** What a mirror knows between runs; see {@link readMirrorState}. */
export interface MirrorStateData {
  /** Which session the mirror last followed: an opaque hash, never the join link. */
  session: string;
  /** SHA-256 (hex) of what the mirror last wrote or sent, for each file the host has. */
  files: Map<string, string>;
  /** Folders the host has. */
  dirs: Set<string>;
}

/**
 * The state folder of the mirror at `root`, made if missing. Refuses anything but a real
 * folder there (a symlink would send the state and backups elsewhere).
 * @throws {Error} when something else is in its place
 */
async function stateDir(root: string): Promise<string> {
  const dir = join(root, MIRROR_STATE_DIR);
  await mkdir(dir).catch((error: unknown) => {
    if (errorCode(error) !== 'EEXIST') throw error;
  });
  const info = await lstat(dir);
  if (!info.isDirectory()) {
    throw new Error(`${dir} is not a folder; move it away so that the mirror can keep its state.`);
  }
  return dir;
}

/**
 * Reads the state a mirror saved with {@link writeMirrorState}; `undefined` when there is none
 * or it is not one this version wrote. Invalid entries are left out.
 * @throws {WorkspaceLimitError} for a file over {@link MAX_MIRROR_STATE_BYTES}
 */
export async function readMirrorState(root: string): Promise<MirrorStateData | undefined> {
  const path = join(root, MIRROR_STATE_DIR, MIRROR_STATE_FILE);
  let text: string;
  try {
    const info = await lstat(path);
    if (!info.isFile()) return undefined;
    if (info.size > MAX_MIRROR_STATE_BYTES) {
      throw new WorkspaceLimitError(
        'MAX_MIRROR_STATE_BYTES',
        MAX_MIRROR_STATE_BYTES,
        `${path} is ${info.size} bytes, over the ${MAX_MIRROR_STATE_BYTES}-byte limit.`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // A crash mid-write cannot cause this (the file is renamed into place).
  }
  const raw = parsed as { version?: unknown; session?: unknown; files?: unknown; dirs?: unknown };
  if (raw?.version !== MIRROR_STATE_VERSION || typeof raw.session !== 'string') return undefined;
  const files = new Map<string, string>();
  if (raw.files !== null && typeof raw.files === 'object') {
    for (const [path, digest] of Object.entries(raw.files)) {
      if (typeof digest === 'string' && /^[0-9a-f]{64}$/.test(digest) && isWirePath(path)) {
        files.set(path, digest);
      }
    }
  }
  const dirs = new Set<string>();
  if (Array.isArray(raw.dirs)) {
    for (const dir of raw.dirs) if (typeof dir === 'string' && isWirePath(dir)) dirs.add(dir);
  }
  return { session: raw.session, files, dirs };
}

/**
 * Saves a mirror's state atomically (a temporary file in the state folder, then a rename), so a
 * crash leaves the old state or the new, never half of one.
 */
export async function writeMirrorState(root: string, state: MirrorStateData): Promise<void> {
  const dir = await stateDir(root);
  const text = JSON.stringify({
    version: MIRROR_STATE_VERSION,
    session: state.session,
    files: Object.fromEntries(state.files),
    dirs: [...state.dirs],
  });
  // Nothing else writes in the state folder, so no other temporary file needs protecting.
  await atomicWrite(dir, join(dir, MIRROR_STATE_FILE), Buffer.from(text), { active: new Set() });
}

/**
 * A free path under the mirror's backups for a copy of `relPath`:
 * `<root>/.tandem-mirror-state/backup/<run>/<relPath>`, with `~1`, `~2`… appended when that is
 * taken. Its parent folders are not made here.
 * @param run names this run's backup folder, such as a timestamp
 */
export async function backupDestination(
  root: string,
  run: string,
  relPath: string,
): Promise<string> {
  const base = join(await stateDir(root), MIRROR_BACKUP_DIR, run, ...relPath.split('/'));
  for (let attempt = 0; attempt < MAX_BACKUP_NAME_TRIES; attempt++) {
    const candidate = attempt === 0 ? base : `${base}~${attempt}`;
    try {
      await lstat(candidate);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return candidate;
      throw error;
    }
  }
  throw new WorkspaceLimitError(
    'MAX_BACKUP_NAME_TRIES',
    MAX_BACKUP_NAME_TRIES,
    `No free backup name for ${relPath} after ${MAX_BACKUP_NAME_TRIES} tries.`,
  );
}

function isWirePath(path: string): boolean {
  try {
    return normalizeRelativePath(path) === path;
  } catch {
    return false;
  }
}
