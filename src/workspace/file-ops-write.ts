import type { Stats } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempName } from './mirror-names.js';

/** How {@link createExclusive} and {@link replaceAtomically} finish a file. */
export interface FileWriteOptions {
  /** fsync the bytes before the file becomes visible under its name. */
  durable: boolean;
}

/**
 * Creates `abs` with `content`, failing with `EEXIST` if anything (even a dangling symlink) is
 * there; on failure the partly written file is removed.
 */
export async function createExclusive(
  abs: string,
  content: Uint8Array,
  options: FileWriteOptions,
): Promise<void> {
  // 'wx' is O_CREAT|O_EXCL: it neither replaces nor follows whatever appeared since the check.
  const handle = await open(abs, 'wx', 0o666);
  try {
    await handle.writeFile(content);
    if (options.durable) await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(abs).catch(() => undefined);
    throw error;
  }
}

/**
 * Replaces the regular file `abs` (described by `options.info`) atomically: a temporary file in
 * the same folder, given the original's permission bits (and owner, when the host may), renamed
 * over it. On failure the temporary file is removed and the original is untouched.
 */
export async function replaceAtomically(
  abs: string,
  content: Uint8Array,
  options: FileWriteOptions & { info: Stats },
): Promise<void> {
  const { info } = options;
  const mode = info.mode & 0o7777;
  const temp = join(dirname(abs), tempName());
  // 'wx' fails rather than follow a symlink planted at the temporary name.
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode); // The umask may have cleared bits the original had.
    if (info.uid !== process.getuid?.() || info.gid !== process.getgid?.()) {
      // Best effort (and a no-op on Windows): only a privileged host can give the file back.
      await handle.chown(info.uid, info.gid).catch(() => undefined);
    }
    if (options.durable) await handle.sync();
    await handle.close();
    await rename(temp, abs);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
