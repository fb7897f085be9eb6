import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileOperationError } from './file-ops-error.js';
import { segmentProblem } from './path.js';
import { GIT_IGNORE_FILE, TANDEM_IGNORE_FILE, type WorkspaceRules } from './rules.js';

// Code points HFS+ ignores when comparing names (the set git's CVE-2014-9390 fix checks), so
// `.git\u200cignore` opens `.gitignore` there. Same list as in mirror-names.ts.
const HFS_IGNORABLES = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * Whether a file or folder name could open an ignore file (`.gitignore`, `.tandemignore`) on some
 * filesystem: any case, HFS+ ignorable code points, NTFS's dropped trailing dots and spaces and
 * `::$DATA`-style stream suffixes. Stricter than `WorkspaceRules.isRulesFile`, which only has to
 * notice the host's own edits.
 */
export function isIgnoreFileName(segment: string): boolean {
  const bare = segment
    .replace(HFS_IGNORABLES, '')
    .split(':')[0]!
    .replace(/[. ]+$/, '')
    .toLowerCase();
  return bare === GIT_IGNORE_FILE || bare === TANDEM_IGNORE_FILE;
}

/** One entry under a folder, as {@link walkSubtree} reports it. */
export interface SubtreeEntry {
  /** Wire path of the real location, such as `'src/lib/a.ts'`. */
  rel: string;
  /** The entry's own name. */
  name: string;
  /** A real directory; symlinks to directories are not, and are never entered. */
  isDir: boolean;
  /** Whether a guest can see it: a wire-safe name, a file, folder or symlink, and shared. */
  shared: boolean;
}

/** Limits for {@link walkSubtree}. */
export interface WalkOptions {
  /** Most entries visited before failing. */
  maxEntries: number;
  /** Name of the limit's constant and option, quoted in the error. */
  limitName: string;
  /** The operation, for the error message, such as `'delete'`. */
  verb: string;
}

function isWireSafe(dirent: Dirent): boolean {
  return (
    segmentProblem(dirent.name) === null &&
    (dirent.isFile() || dirent.isDirectory() || dirent.isSymbolicLink())
  );
}

/**
 * Visits every entry under the real directory `abs` (wire path `rel`), without following
 * symlinks, entering only directories a guest can see. `visit` may throw to stop the walk.
 *
 * @throws {FileOperationError} code `too-large` past `maxEntries`, so that a guest cannot make the
 *   host walk an enormous tree
 */
export async function walkSubtree(
  target: { abs: string; rel: string; rules: WorkspaceRules },
  visit: (entry: SubtreeEntry) => void,
  options: WalkOptions,
): Promise<void> {
  const { rules } = target;
  const stack: { abs: string; rel: string }[] = [{ abs: target.abs, rel: target.rel }];
  let count = 0;
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    const dirents = await readdir(dir.abs, { withFileTypes: true });
    for (const dirent of dirents) {
      if (++count > options.maxEntries) {
        throw new FileOperationError(
          'too-large',
          `Folder ${JSON.stringify(target.rel)} holds more than ${options.maxEntries} entries, ` +
            `too many to ${options.verb} at once; ask the host (limit ${options.limitName}).`,
          { path: target.rel },
        );
      }
      const rel = `${dir.rel}/${dirent.name}`;
      const isDir = dirent.isDirectory();
      // The parent is shared (only shared directories are entered), as isEntryShared requires.
      const shared = isWireSafe(dirent) && rules.isEntryShared(rel, isDir);
      visit({ rel, name: dirent.name, isDir, shared });
      if (isDir && shared) stack.push({ abs: join(dir.abs, dirent.name), rel });
    }
  }
}
