import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { wirePathOf } from './entry.js';
import { PathRejectedError } from './errors.js';
import { normalizeRelativePath } from './path.js';
import type { WorkspaceRules } from './rules.js';

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

async function exists(abs: string): Promise<boolean> {
  try {
    await lstat(abs);
    return true;
  } catch {
    return false;
  }
}

/**
 * The one gate every guest-supplied path goes through on the host. Normalizes the path, joins it
 * to the root, resolves symlinks (for a path that does not exist yet, those of its deepest
 * existing ancestor), and checks that the result lies inside the root and that both the path as
 * asked and the path it resolves to are shared.
 *
 * The check and the later use are two steps: a local process of the host that swaps a directory
 * for a symlink in between wins that race. Guests can only act through the host agent, which does
 * not create symlinks.
 *
 * @param root the workspace folder (the one `rules` was loaded for)
 * @param relPath the path as the guest sent it, such as `'src/a.ts'`
 * @param rules what is shared
 * @returns the resolved absolute path, to be used instead of any joined path
 * @throws {PathRejectedError} reason `invalid` (malformed, or names the root), `outside`
 *   (escapes the root through `..`, a symlink, a dangling symlink or a loop) or `ignored`
 * @example
 * const abs = await resolveInside(root, message.path, rules);
 */
export async function resolveInside(
  root: string,
  relPath: string,
  rules: WorkspaceRules,
): Promise<string> {
  const rel = normalizeRelativePath(relPath);
  const ignored = (): never => {
    throw new PathRejectedError(relPath, 'ignored', 'not shared in this workspace');
  };
  const outside = (detail: string, cause?: unknown): never => {
    throw new PathRejectedError(relPath, 'outside', detail, { cause });
  };
  // Before touching the disk, so that probing ignored paths tells nothing about their existence.
  if (!rules.isShared(rel, false)) ignored();

  const rootReal = await realpath(root);
  if (rootReal !== rules.root) {
    throw new TypeError(`The rules were loaded for ${rules.root}, not for ${rootReal}.`);
  }
  let existing = join(rootReal, ...rel.split('/'));
  const missing: string[] = [];
  let resolved: string;
  for (;;) {
    try {
      resolved = await realpath(existing);
      break;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ELOOP') outside('leads into a symlink loop', error);
      if (code === 'ENOTDIR') {
        throw new PathRejectedError(relPath, 'invalid', 'a parent is not a directory', {
          cause: error,
        });
      }
      if (code !== 'ENOENT') throw error;
      // A name that lstat finds but realpath cannot follow is a dangling symlink: writing
      // through it would create its target, wherever that is.
      if (await exists(existing)) outside('goes through a dangling symlink', error);
      missing.unshift(basename(existing));
      const parent = dirname(existing);
      if (parent === existing || missing.length > rel.split('/').length) {
        outside('has no existing ancestor inside the workspace', error);
      }
      existing = parent;
    }
  }
  const target = missing.length === 0 ? resolved : join(resolved, ...missing);
  if (target === rootReal) {
    throw new PathRejectedError(relPath, 'invalid', 'resolves to the workspace root itself');
  }
  const targetRel = wirePathOf(rootReal, target);
  if (targetRel === null) outside('resolves outside the workspace');
  const real = targetRel as string;
  if (missing.length === 0) {
    const isDir = (await stat(target)).isDirectory();
    if (!rules.isShared(rel, isDir) || !rules.isShared(real, isDir)) ignored();
  } else {
    // Unknown kind yet: refuse if it would be ignored as either a file or a directory.
    for (const isDir of [false, true]) {
      if (!rules.isShared(rel, isDir) || !rules.isShared(real, isDir)) ignored();
    }
  }
  return target;
}
