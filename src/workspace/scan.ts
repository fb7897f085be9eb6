import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describeEntry, type WorkspaceEntry } from './entry.js';
import { WorkspaceLimitError } from './errors.js';
import { assertShareable } from './mirror-marker.js';
import { MAX_PATH_DEPTH, MAX_PATH_LENGTH, normalizeRelativePath, segmentProblem } from './path.js';
import { resolveInside } from './resolve.js';
import type { WorkspaceRules } from './rules.js';

/**
 * Most entries a scan yields before failing. Threat: a huge tree (or a stray `node_modules` that
 * is not gitignored) exhausting the host's memory and flooding every guest.
 */
export const MAX_SCAN_ENTRIES = 200_000;

/** How many `lstat` calls a scan keeps in flight; a tuning, not a limit. */
export const SCAN_STAT_CONCURRENCY = 32;

/** Options for {@link scanWorkspace}. */
export interface ScanOptions {
  /** Defaults to {@link MAX_SCAN_ENTRIES}. */
  maxEntries?: number;
  /** Called for an entry skipped because it is unreadable or cannot travel on the wire. */
  onSkip?: (path: string, reason: string) => void;
  /** Stops the scan with the signal's reason. */
  signal?: AbortSignal;
}

interface Frame {
  rel: string;
  abs: string;
  entries: WorkspaceEntry[];
  next: number;
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Lists one directory's shared children, sorted by name. `null` when it cannot be read.
 */
async function listDirectory(
  rootReal: string,
  frame: Pick<Frame, 'rel' | 'abs'>,
  rules: WorkspaceRules,
  options: ScanOptions,
): Promise<WorkspaceEntry[] | null> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(frame.abs, { withFileTypes: true });
  } catch {
    return null;
  }
  dirents.sort(byName);
  const depth = frame.rel === '' ? 1 : frame.rel.split('/').length + 1;
  const wanted: { rel: string; abs: string }[] = [];
  for (const dirent of dirents) {
    const rel = frame.rel === '' ? dirent.name : `${frame.rel}/${dirent.name}`;
    const problem = segmentProblem(dirent.name);
    if (problem !== null) {
      options.onSkip?.(rel, `name ${problem}`);
      continue;
    }
    if (depth > MAX_PATH_DEPTH || Buffer.byteLength(rel) > MAX_PATH_LENGTH) {
      options.onSkip?.(rel, 'path too long or too deep for the wire');
      continue;
    }
    const isDir = dirent.isDirectory();
    if (!isDir && !dirent.isFile() && !dirent.isSymbolicLink()) {
      options.onSkip?.(rel, 'not a regular file, directory or symlink');
      continue;
    }
    if (!rules.isEntryShared(rel, isDir)) continue;
    wanted.push({ rel, abs: join(frame.abs, dirent.name) });
  }
  const described: (WorkspaceEntry | null)[] = new Array(wanted.length).fill(null);
  let cursor = 0;
  const worker = async (): Promise<void> => {
    while (cursor < wanted.length) {
      const index = cursor++;
      const item = wanted[index] as { rel: string; abs: string };
      described[index] = await describeEntry(rootReal, item.rel, item.abs, rules);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SCAN_STAT_CONCURRENCY, wanted.length) }, worker));
  const entries: WorkspaceEntry[] = [];
  described.forEach((entry, index) => {
    if (entry !== null) entries.push(entry);
    else
      options.onSkip?.(
        (wanted[index] as { rel: string }).rel,
        'unreadable, special or leads outside',
      );
  });
  return entries;
}

/**
 * Lists every shared file and directory of the workspace, parents before children and siblings
 * sorted by name (UTF-16 code units), so two scans of the same tree agree. Ignored directories
 * are not entered; symlinks to shared files inside the root are listed as files; symlinks to
 * directories are not followed and symlinks leading outside are skipped; unreadable entries are
 * skipped, not fatal. Tandem mirrors inside the root are skipped with their contents, as the
 * rules say.
 *
 * @param root the workspace folder (the one `rules` was loaded for)
 * @param rules what is shared
 * @throws {SharedFolderIsMirrorError} when `root` itself is a Tandem mirror
 * @throws {WorkspaceLimitError} when the tree holds more than `maxEntries` shared entries
 * @example
 * for await (const entry of scanWorkspace(root, rules)) console.log(entry.path, entry.kind);
 */
export async function* scanWorkspace(
  root: string,
  rules: WorkspaceRules,
  options: ScanOptions = {},
): AsyncGenerator<WorkspaceEntry, void, undefined> {
  const maxEntries = options.maxEntries ?? MAX_SCAN_ENTRIES;
  const rootReal = await realpath(root);
  if (rootReal !== rules.root) {
    throw new TypeError(`The rules were loaded for ${rules.root}, not for ${rootReal}.`);
  }
  await assertShareable(rootReal);
  const top = await listDirectory(rootReal, { rel: '', abs: rootReal }, rules, options);
  if (top === null) throw new Error(`Cannot read the workspace folder ${rootReal}.`);
  // An explicit stack rather than recursion: depth-first, parents before children.
  const stack: Frame[] = [{ rel: '', abs: rootReal, entries: top, next: 0 }];
  let count = 0;
  while (stack.length > 0) {
    options.signal?.throwIfAborted();
    const frame = stack[stack.length - 1] as Frame;
    const entry = frame.entries[frame.next++];
    if (entry === undefined) {
      stack.pop();
      continue;
    }
    let child: Frame | null = null;
    if (entry.kind === 'dir') {
      const abs = join(rootReal, ...entry.path.split('/'));
      const entries = await listDirectory(rootReal, { rel: entry.path, abs }, rules, options);
      if (entries === null) {
        options.onSkip?.(entry.path, 'directory cannot be read');
        continue;
      }
      child = { rel: entry.path, abs, entries, next: 0 };
    }
    if (++count > maxEntries) {
      throw new WorkspaceLimitError(
        'MAX_SCAN_ENTRIES',
        maxEntries,
        `The workspace has more than ${maxEntries} shared entries; exclude some in ` +
          '.tandemignore or raise maxEntries.',
      );
    }
    yield entry;
    if (child !== null) stack.push(child);
  }
}

/**
 * Lists one shared folder's shared children (for an editor's lazy tree), at most `maxEntries`.
 *
 * @param root the workspace folder (the one `rules` was loaded for)
 * @param relDir the folder, relative to the root; `''` for the root
 * @throws {PathRejectedError} when `relDir` is not a shared folder inside the root
 */
export async function listFolder(
  root: string,
  rules: WorkspaceRules,
  options: { path: string; maxEntries: number },
): Promise<{ entries: WorkspaceEntry[]; truncated: boolean }> {
  const rootReal = await realpath(root);
  const abs = options.path === '' ? rootReal : await resolveInside(rootReal, options.path, rules);
  const rel = options.path === '' ? '' : normalizeRelativePath(options.path);
  const entries = await listDirectory(rootReal, { rel, abs }, rules, {});
  if (entries === null) throw new Error(`Cannot read the folder ${options.path || '.'}.`);
  return {
    entries: entries.slice(0, options.maxEntries),
    truncated: entries.length > options.maxEntries,
  };
}
