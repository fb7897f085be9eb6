import { lstat, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MirrorDirNotEmptyError, SharedFolderIsMirrorError } from './errors.js';

/**
 * The file a mirror writes in its root. The guest uses it to tell its own mirror from a folder of
 * the user's (which it must not prune); the host uses it to never share a mirror, which would
 * loop when a guest mirrors into the shared folder on the same machine.
 */
export const MIRROR_MARKER_FILE = '.tandem-mirror';

/** Version written into {@link MIRROR_MARKER_FILE}. */
export const MIRROR_MARKER_VERSION = 1;

/** Largest marker read; a bigger file is not one Tandem wrote. */
const MAX_MARKER_BYTES = 4096;

/**
 * Whether a name is the marker's, in any case. Such names are never shared, written by a host or
 * listed for pruning; case is folded so that a host cannot reach the marker on a
 * case-insensitive disk.
 */
export function isMirrorMarkerName(name: string): boolean {
  return name.length === MIRROR_MARKER_FILE.length && name.toLowerCase() === MIRROR_MARKER_FILE;
}

async function isValidMarker(path: string): Promise<boolean> {
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.size > MAX_MARKER_BYTES) return false;
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    const marker = parsed as { tandem?: unknown; version?: unknown } | null;
    return (
      marker?.tandem === 'mirror' &&
      Number.isSafeInteger(marker.version) &&
      Number(marker.version) >= 1
    );
  } catch {
    return false;
  }
}

/**
 * Makes `dir` (resolved, existing) a mirror: one that already holds a valid marker is reused, an
 * empty one gets the marker, anything else is refused. A folder whose only entry is a broken
 * marker (a crash while writing it) counts as empty.
 *
 * @throws {MirrorDirNotEmptyError} when the folder holds anything else and no valid marker
 */
export async function claimMirrorDir(dir: string): Promise<void> {
  const marker = join(dir, MIRROR_MARKER_FILE);
  const entries = await readdir(dir, { withFileTypes: true });
  const found = entries.find((entry) => entry.name === MIRROR_MARKER_FILE);
  if (found !== undefined && (await isValidMarker(marker))) return;
  if (entries.some((entry) => entry !== found || entry.isDirectory())) {
    throw new MirrorDirNotEmptyError(dir);
  }
  // Unlink first: writing over a planted symlink would write through it.
  if (found !== undefined) await unlink(marker);
  const text = `${JSON.stringify({ tandem: 'mirror', version: MIRROR_MARKER_VERSION })}\n`;
  await writeFile(marker, text, { flag: 'wx' });
}

/**
 * Checks that a folder may be shared: it must not be a Tandem mirror. Mirrors nested inside it
 * are left out of sharing by the rules instead (see `WorkspaceRules`).
 *
 * @param root the folder a host is about to share
 * @throws {SharedFolderIsMirrorError} when `root` holds {@link MIRROR_MARKER_FILE}
 * @example
 * await assertShareable('/home/me/project');
 */
export async function assertShareable(root: string): Promise<void> {
  try {
    await lstat(join(root, MIRROR_MARKER_FILE));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  throw new SharedFolderIsMirrorError(root);
}
