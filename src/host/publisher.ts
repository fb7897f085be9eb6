import { open } from 'node:fs/promises';
import type { MessageChannel } from '../protocol/channel.js';
import {
  TREE_CHUNK_ENTRIES,
  type GuestMessage,
  type HostMessage,
  type TreeEntry,
} from '../protocol/messages.js';
import {
  resolveInside,
  scanWorkspace,
  type WorkspaceChange,
  type WorkspaceRules,
} from '../workspace/index.js';

/** Bytes of file content per frame; below the frame limit with room for the header. */
export const FILE_CHUNK_BYTES = 512 * 1024;

/**
 * Small files a snapshot reads ahead of the one it is sending. Each file costs several round
 * trips to the file system (resolve, open, stat, read, close); overlapping them keeps a
 * 50,000-file tree from being paced by their latency. Bounded, since what is read ahead waits
 * in memory: at most this many files of at most {@link FILE_CHUNK_BYTES} each.
 */
export const SNAPSHOT_READ_AHEAD = 16;

type GuestChannel = MessageChannel<GuestMessage, HostMessage>;

/** Where the shared folder is and what of it is shared. */
export interface SharedFolder {
  root: string;
  rules: WorkspaceRules;
}

/** Totals of a snapshot, reported to the guest in `synced`. */
export interface SnapshotTotals {
  files: number;
  bytes: number;
}

/** Options for {@link publishSnapshot}. */
export interface SnapshotOptions {
  /** Whether file contents follow the listing (a mirror) or not (an editor); default true. */
  contents?: boolean;
  /**
   * Lets other traffic for this guest go out, called between files; resolves true when it sent
   * anything. The order of a file's content and later changes does not matter there, as long
   * as no file read before the call is sent after it: a change sent meanwhile may be newer.
   */
  interleave?: () => Promise<boolean>;
  /**
   * Resolves when the guest has caught up enough for the next file (protocol/flow.ts); called
   * before each file and each chunk, so the session's other traffic never queues behind more
   * than one window of the snapshot.
   */
  flow?: () => Promise<void>;
}

/**
 * Sends the whole shared tree to one guest: the listing first, in chunks of at most
 * `TREE_CHUNK_ENTRIES`, then each file's content, then `synced`. Every send waits for the
 * stream to drain, so a slow guest slows only its own snapshot and never fills the host's
 * memory; between files, `interleave` lets presence and document traffic through, so that a
 * large tree does not hold up the session. Small files are read {@link SNAPSHOT_READ_AHEAD}
 * ahead of their turn.
 */
export async function publishSnapshot(
  channel: GuestChannel,
  folder: SharedFolder,
  options: SnapshotOptions = {},
): Promise<SnapshotTotals> {
  const files: TreeEntry[] = [];
  let chunk: TreeEntry[] = [];
  for await (const entry of scanWorkspace(folder.root, folder.rules)) {
    const wire: TreeEntry = {
      path: entry.path,
      kind: entry.kind,
      size: entry.size,
      executable: entry.executable,
    };
    chunk.push(wire);
    if (entry.kind === 'file') files.push(wire);
    if (chunk.length === TREE_CHUNK_ENTRIES) {
      await channel.send({ t: 'tree', entries: chunk });
      chunk = [];
    }
  }
  if (chunk.length > 0) await channel.send({ t: 'tree', entries: chunk });
  const totals: SnapshotTotals = { files: 0, bytes: 0 };
  const list = options.contents === false ? [] : files;
  const ahead = new Map<number, Promise<ReadAhead>>();
  for (const [index, file] of list.entries()) {
    // Not during the listing: a change overtaking it could be undone by an older entry. What
    // was read ahead before a change went out may be older than that change: read it again.
    await options.flow?.();
    if (await options.interleave?.()) ahead.clear();
    for (let next = index; next < Math.min(list.length, index + SNAPSHOT_READ_AHEAD); next++) {
      if (!ahead.has(next)) ahead.set(next, readAhead(folder, list[next]!));
    }
    const read = await ahead.get(index)!;
    ahead.delete(index);
    let sent: number | undefined;
    if (read === 'stream') sent = await publishFile(channel, folder, file, options.flow);
    else if (read === 'gone') sent = undefined;
    else if ('error' in read) throw read.error;
    else {
      const { bytes } = read;
      const header = { path: file.path, size: bytes.length, executable: file.executable };
      await channel.send({ t: 'file', ...header, offset: 0, last: true }, bytes);
      sent = bytes.length;
    }
    if (sent === undefined) continue;
    totals.files += 1;
    totals.bytes += sent;
  }
  await channel.send({ t: 'synced', files: totals.files, bytes: totals.bytes });
  return totals;
}

/**
 * A file read ahead: its bytes, `stream` for one too large to hold (sent in chunks at its
 * turn), `gone` when it vanished or stopped being shareable, or the read error.
 */
type ReadAhead = { bytes: Buffer } | { error: unknown } | 'stream' | 'gone';

/** Reads a small file whole, with the checks of {@link publishFile}; never rejects. */
async function readAhead(folder: SharedFolder, entry: TreeEntry): Promise<ReadAhead> {
  if (entry.size > FILE_CHUNK_BYTES) return 'stream';
  let handle;
  try {
    const absolute = await resolveInside(folder.root, entry.path, folder.rules);
    handle = await open(absolute, 'r');
  } catch {
    return 'gone';
  }
  try {
    const { size } = await handle.stat();
    if (size > FILE_CHUNK_BYTES) return 'stream';
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: bytes.subarray(0, filled) };
  } catch (error) {
    return { error };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Sends one change seen on the host's disk to a guest that follows the tree: the new content
 * for a mirror (`contents`), or only the listing entry for an editor.
 */
export async function publishChange(
  channel: GuestChannel,
  folder: SharedFolder,
  change: WorkspaceChange,
  contents = true,
): Promise<void> {
  if (change.type === 'delete') {
    await channel.send({ t: 'remove', path: change.path });
    return;
  }
  const entry: TreeEntry = {
    path: change.path,
    kind: change.kind,
    size: change.size,
    executable: change.executable,
  };
  if (change.kind === 'dir' || !contents) await channel.send({ t: 'tree', entries: [entry] });
  else await publishFile(channel, folder, entry);
}

/**
 * Streams one file in chunks. Returns the bytes sent, or undefined when the file vanished or
 * stopped being shareable in the meantime (a later watcher event reports that).
 */
async function publishFile(
  channel: GuestChannel,
  folder: SharedFolder,
  entry: TreeEntry,
  flow?: () => Promise<void>,
): Promise<number | undefined> {
  let handle;
  try {
    // Re-checked at send time: the path may have become a symlink out of the folder.
    const absolute = await resolveInside(folder.root, entry.path, folder.rules);
    handle = await open(absolute, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.allocUnsafe(FILE_CHUNK_BYTES);
    let offset = 0;
    for (;;) {
      // Never more than the size announced: a file still growing is sent as it was, and the
      // watcher sends the rest as a change.
      if (offset > 0) await flow?.();
      const want = Math.min(FILE_CHUNK_BYTES, size - offset);
      const { bytesRead } = await handle.read(buffer, 0, want, offset);
      const last = bytesRead < FILE_CHUNK_BYTES || offset + bytesRead >= size;
      await channel.send(
        { t: 'file', path: entry.path, size, offset, executable: entry.executable, last },
        buffer.subarray(0, bytesRead),
      );
      offset += bytesRead;
      if (last) return offset;
    }
  } finally {
    await handle.close();
  }
}
