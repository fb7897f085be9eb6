import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { normalizeRelativePath, toPosixRelative } from './path.js';
import type { WorkspaceRules } from './rules.js';

/** One shared file or directory, as the scanner lists it and the watcher reports it. */
export interface WorkspaceEntry {
  /** POSIX path relative to the workspace root, such as `'src/a.ts'`. */
  path: string;
  /** A symlink to a shared file inside the workspace is reported as a `file`. */
  kind: 'file' | 'dir';
  /** Size in bytes; 0 for directories. */
  size: number;
  /** Last modification time, in milliseconds since the epoch. */
  mtimeMs: number;
  /** Whether any execute bit is set (always `false` for directories and on Windows). */
  executable: boolean;
}

function isExecutable(info: Stats): boolean {
  return process.platform !== 'win32' && (info.mode & 0o111) !== 0;
}

/** Whether `abs` lies strictly inside `rootReal` (both already resolved). */
export function isInside(rootReal: string, abs: string): boolean {
  const prefix = rootReal.endsWith(sep) ? rootReal : rootReal + sep;
  return abs.startsWith(prefix) && abs.length > prefix.length;
}

/**
 * The wire path of a resolved absolute path inside the root, or `null` when it is outside or
 * cannot travel on the wire.
 */
export function wirePathOf(rootReal: string, abs: string): string | null {
  if (!isInside(rootReal, abs)) return null;
  try {
    return normalizeRelativePath(toPosixRelative(relative(rootReal, abs), sep));
  } catch {
    return null;
  }
}

/**
 * Describes the path `rel` (at `abs`) as a {@link WorkspaceEntry}, or returns `null` when it is
 * gone, unreadable, not a regular file or directory, or a symlink that leads outside the root, to
 * a directory (never followed, to avoid loops) or to something not shared. The caller has already
 * checked that `rel` itself is shared.
 */
export async function describeEntry(
  rootReal: string,
  rel: string,
  abs: string,
  rules: WorkspaceRules,
): Promise<WorkspaceEntry | null> {
  let info: Stats;
  try {
    info = await lstat(abs);
  } catch {
    return null;
  }
  if (info.isDirectory()) {
    return { path: rel, kind: 'dir', size: 0, mtimeMs: info.mtimeMs, executable: false };
  }
  if (info.isSymbolicLink()) {
    try {
      const target = await realpath(abs);
      const targetRel = wirePathOf(rootReal, target);
      if (targetRel === null || !rules.isShared(targetRel, false)) return null;
      info = await stat(target);
    } catch {
      return null; // Dangling, looping or unreadable.
    }
  }
  if (!info.isFile()) return null; // Directories behind symlinks, FIFOs, sockets, devices.
  return {
    path: rel,
    kind: 'file',
    size: info.size,
    mtimeMs: info.mtimeMs,
    executable: isExecutable(info),
  };
}
