import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Counts regular files and their bytes under a folder, not following symlinks. */
export async function countTree(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = await countTree(full);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile()) {
      files += 1;
      bytes += (await lstat(full)).size;
    }
  }
  return { files, bytes };
}
