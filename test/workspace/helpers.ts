import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh temporary folder (resolved, as macOS puts tmp behind a symlink), removed after `t`. */
export async function tempDir(t: TestContext, prefix = 'tandem-ws-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files given as POSIX paths to contents; a path ending in `/` makes a directory. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, ...path.split('/'));
    if (path.endsWith('/')) {
      await mkdir(abs, { recursive: true });
    } else {
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, content);
    }
  }
}

/** Whether this process ignores file permissions (root), so permission tests cannot work. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
