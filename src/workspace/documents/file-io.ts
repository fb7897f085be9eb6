import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readFileChunks } from '../content.js';
import { WorkspaceLimitError } from '../errors.js';

/** What reading a document's file found. */
export type ReadOutcome =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'missing'; error: Error }
  | { kind: 'too-large' }
  | { kind: 'not-a-file' };

/**
 * Replaces a file's content atomically; see {@link replaceFileAtomic}. A `DocumentStore` option,
 * so that a host on an unusual filesystem (or a test) can supply its own.
 */
export type ReplaceFile = (absPath: string, bytes: Uint8Array) => Promise<void>;

/** Characters of the original name kept in a temporary name, so that it stays under NAME_MAX. */
const TEMP_NAME_KEEP = 40;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Reads a whole regular file of at most `maxBytes`.
 *
 * @throws the underlying error for anything but a missing, oversized or non-regular file
 */
export async function readDocumentFile(absPath: string, maxBytes: number): Promise<ReadOutcome> {
  try {
    const info = await stat(absPath);
    if (!info.isFile()) return { kind: 'not-a-file' };
    if (info.size > maxBytes) return { kind: 'too-large' };
    const chunks: Uint8Array[] = [];
    for await (const chunk of readFileChunks(absPath, { maxBytes })) chunks.push(chunk);
    return { kind: 'bytes', bytes: Buffer.concat(chunks) };
  } catch (error) {
    if (error instanceof WorkspaceLimitError) return { kind: 'too-large' };
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing', error: error as Error };
    throw error;
  }
}

/**
 * Replaces an existing file's content so that readers see either the old or the new bytes,
 * never a mix or an empty file: writes a temporary file in the same folder with the same mode
 * (and owner, when running as root), flushes it to disk, then renames it over the original. The
 * path must be resolved (no symlink), or the symlink itself would be replaced. A hard link to
 * the file keeps the old content.
 *
 * @param absPath an existing regular file
 * @throws the `ENOENT` error when the file does not exist: a replace never recreates a file
 */
export async function replaceFileAtomic(absPath: string, bytes: Uint8Array): Promise<void> {
  const info = await stat(absPath);
  const mode = info.mode & 0o7777;
  const keep = Array.from(basename(absPath)).slice(0, TEMP_NAME_KEEP).join('');
  const temp = join(dirname(absPath), `.${keep}.${randomBytes(6).toString('hex')}.tandem-tmp`);
  const handle = await open(temp, 'wx', mode);
  let closed = false;
  try {
    await handle.writeFile(bytes);
    await handle.chmod(mode); // open() applied the umask
    if (process.getuid?.() === 0 && (info.uid !== 0 || info.gid !== 0)) {
      await handle.chown(info.uid, info.gid);
    }
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(temp, absPath);
  } catch (error) {
    if (!closed) await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}
