import { randomBytes } from 'node:crypto';

// Code points HFS+ ignores when comparing names, so `.g\u200cit` opens `.git` there
// (git's CVE-2014-9390 fix checks the same set).
const HFS_IGNORABLES = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * Whether a name could open a `.git` directory on some filesystem: any case, HFS+ ignorable code
 * points, NTFS's dropped trailing dots and spaces, its `GIT~1` short name and `::$DATA`-style
 * stream suffixes. A mirror never writes there: a hostile host could otherwise plant hooks or a
 * `core.fsmonitor` setting that runs code on the guest's next `git status`.
 */
export function isGitName(segment: string): boolean {
  const bare = segment
    .replace(HFS_IGNORABLES, '')
    .split(':')[0]!
    .replace(/[. ]+$/, '')
    .toLowerCase();
  return bare === '.git' || bare === 'git~1';
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|(com|lpt)[0-9¹²³])(\..*)?$/i;
const WINDOWS_FORBIDDEN = /[<>:"|?*\u0000-\u001f]/;

/**
 * Why a name is unsafe to create on Windows, or `null`: device names (`CON`, `nul.txt`) open a
 * device instead of a file, `:` opens an alternate data stream, and a trailing dot or space is
 * silently dropped so that two names would land on one file.
 */
export function windowsNameProblem(segment: string): string | null {
  if (WINDOWS_RESERVED.test(segment)) return 'is a Windows device name';
  if (WINDOWS_FORBIDDEN.test(segment)) return 'has a character Windows forbids in names';
  if (/[. ]$/.test(segment)) return 'ends with a dot or space, which Windows drops';
  return null;
}

/** Prefix of the hidden temporary files a mirror writes before renaming them into place. */
export const MIRROR_TEMP_PREFIX = '.tandem-';

/** Suffix of the hidden temporary files a mirror writes. */
export const MIRROR_TEMP_SUFFIX = '.tmp';

/** Random bytes in a temporary file's name, written as twice as many hex digits. */
const TEMP_RANDOM_BYTES = 8;

/**
 * The one pattern of the temporary files made by {@link tempName}. Case is folded so that a
 * case-insensitive disk's spelling of one matches too.
 */
const MIRROR_TEMP_NAME = new RegExp(
  `^\\${MIRROR_TEMP_PREFIX}[0-9a-f]{${TEMP_RANDOM_BYTES * 2}}\\${MIRROR_TEMP_SUFFIX}$`,
  'i',
);

/** A fresh temporary file name; random so that concurrent writes never collide. */
export function tempName(): string {
  const random = randomBytes(TEMP_RANDOM_BYTES).toString('hex');
  return `${MIRROR_TEMP_PREFIX}${random}${MIRROR_TEMP_SUFFIX}`;
}

/**
 * Whether a name is one of Tandem's temporary files (see {@link tempName}). Such a file holds a
 * partial copy while a write is under way: it is never a change of the user's, so it is never
 * shared, sent back from a mirror or named to the user.
 */
export function isMirrorTempName(segment: string): boolean {
  return MIRROR_TEMP_NAME.test(segment);
}

/** Whether the last segment of a relative path is one of Tandem's temporary files. */
export function isMirrorTempPath(relPath: string): boolean {
  return isMirrorTempName(relPath.slice(relPath.lastIndexOf('/') + 1));
}

/**
 * The folder beside the marker where a mirror keeps what it knows between runs (what it last
 * wrote, for telling the user's offline edits apart) and the copies of local files it had to
 * move aside rather than overwrite.
 */
export const MIRROR_STATE_DIR = '.tandem-mirror-state';

/** Whether a name is {@link MIRROR_STATE_DIR}'s, in any case. */
export function isMirrorStateName(segment: string): boolean {
  return segment.toLowerCase() === MIRROR_STATE_DIR;
}

/**
 * Whether a name belongs to the mirror's own bookkeeping (its temporary files or its state
 * folder), never to the shared tree: never shared, written by a host, sent back or pruned.
 */
export function isMirrorOwnName(segment: string): boolean {
  return isMirrorTempName(segment) || isMirrorStateName(segment);
}
