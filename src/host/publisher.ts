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

/**
 * Sends the whole shared tree to one guest: the listing first, in chunks, then each file's
 * content, then `synced`. Every send waits for the stream to drain, so a slow guest slows
 * only its own snapshot and never fills the host's memory.
 */
export async function publishSnapshot(
  channel: GuestChannel,
  folder: SharedFolder,
  contents = true,
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
  for (const file of contents ? files : []) {
    const sent = await publishFile(channel, folder, file);
    if (sent === undefined) continue;
    totals.files += 1;
    totals.bytes += sent;
  }
  await channel.send({ t: 'synced', files: totals.files, bytes: totals.bytes });
  return totals;
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
