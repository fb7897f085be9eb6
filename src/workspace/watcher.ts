import type { Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { describeEntry, type WorkspaceEntry } from './entry.js';
import type { SharedFolderIsMirrorError } from './errors.js';
import { assertShareable, isMirrorMarkerName, MIRROR_MARKER_FILE } from './mirror-marker.js';
import { toPosixRelative } from './path.js';
import type { WorkspaceRules } from './rules.js';
import { scanWorkspace } from './scan.js';

/** Default quiet period before a burst of events is reported, in milliseconds. */
export const DEFAULT_DEBOUNCE_MS = 75;

/**
 * Longest a burst is held back, in milliseconds. Threat: a process writing without pause (a
 * log, a build) delaying every other change forever.
 */
export const MAX_DEBOUNCE_WAIT_MS = 1000;

/**
 * Most distinct paths held before a burst is reported early. Threat: a huge `git checkout` or
 * `rm -rf` growing the pending set without bound.
 */
export const MAX_PENDING_CHANGES = 50_000;

/**
 * How long deletes inside a deleted directory are folded into it, and deletes of paths never
 * reported are dropped, in milliseconds.
 */
export const DELETE_FOLD_MS = 5000;

/** A change to the shared part of the workspace, as {@link watchWorkspace} reports it. */
export type WorkspaceChange =
  ({ type: 'upsert' } & WorkspaceEntry) | { type: 'delete'; path: string; kind: 'file' | 'dir' };

/** Options for {@link watchWorkspace}. */
export interface WatchOptions {
  /** Called once per change, in order; a throw is passed to `onError`, not fatal. */
  onChange: (change: WorkspaceChange) => void;
  /** Quiet period before a burst is reported; defaults to {@link DEFAULT_DEBOUNCE_MS}. */
  debounceMs?: number;
  /** Longest a burst is held back; defaults to {@link MAX_DEBOUNCE_WAIT_MS}. */
  maxWaitMs?: number;
  /** Defaults to {@link MAX_PENDING_CHANGES}. */
  maxPending?: number;
  /** Receives watcher failures (such as running out of inotify watches); defaults to ignoring. */
  onError?: (error: Error) => void;
  /**
   * The root is the guest's own mirror, watched to send its changes back: its marker file is
   * expected there. Hosts leave this off, so that they never share a mirror.
   */
  ownMirror?: boolean;
}

/** A running watch; see {@link watchWorkspace}. */
export interface WorkspaceWatcher {
  /**
   * Settles once the initial tree is being watched; rejects if watching could not start, with a
   * `SharedFolderIsMirrorError` when the root is a Tandem mirror.
   */
  readonly ready: Promise<void>;
  /** Stops watching; pending changes are dropped. */
  close(): Promise<void>;
}

type ChokidarEvent = 'add' | 'addDir' | 'change' | 'unlink' | 'unlinkDir';

interface Pending {
  /** Kind before the burst, or `null` when the first event created the path. */
  before: 'file' | 'dir' | null;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

async function snapshot(root: string, rules: WorkspaceRules): Promise<Map<string, WorkspaceEntry>> {
  const entries = new Map<string, WorkspaceEntry>();
  for await (const entry of scanWorkspace(root, rules)) entries.set(entry.path, entry);
  return entries;
}

/**
 * Watches the shared part of the workspace (native events, no polling) and reports changes in
 * coalesced bursts: after a burst each touched path is looked at again, so an editor's
 * save-by-rename ends as one upsert and a temporary file created and deleted within the burst is
 * not reported. Deletes of paths inside a deleted directory are folded into that directory's.
 * When a `.gitignore` or `.tandemignore` changes, the rules are reloaded and paths whose
 * shared-ness changed are reported as upserts or deletes. A folder that becomes a Tandem mirror
 * (its marker file appears) is reported deleted and then left alone; if the root itself becomes
 * one, a {@link SharedFolderIsMirrorError} goes to `onError` and nothing more is reported.
 *
 * Start the watcher and await `ready` before scanning, so that no change falls between the two.
 * On Linux each watched directory takes one inotify watch; ignored directories take none.
 *
 * @param root the workspace folder (the one `rules` was loaded for)
 * @param rules what is shared; reloaded in place when ignore files change
 * @example
 * const watcher = watchWorkspace(root, rules, { onChange: (c) => broadcast(c) });
 * await watcher.ready;
 */
export function watchWorkspace(
  root: string,
  rules: WorkspaceRules,
  options: WatchOptions,
): WorkspaceWatcher {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const maxWaitMs = options.maxWaitMs ?? MAX_DEBOUNCE_WAIT_MS;
  const maxPending = options.maxPending ?? MAX_PENDING_CHANGES;
  const onError = (error: unknown): void => {
    try {
      options.onError?.(asError(error));
    } catch {
      // An error sink that throws must not take the watcher down.
    }
  };
  let rootReal = '';
  let fsw: FSWatcher | null = null;
  let closed = false;
  // Set when the root becomes a mirror: nothing more is reported (see processBatch).
  let halted = false;
  let pending = new Map<string, Pending>();
  let timer: NodeJS.Timeout | null = null;
  let burstStart = 0;
  // Bursts are processed one at a time so that changes are reported in order.
  let flushing: Promise<void> = Promise.resolve();

  const relOf = (abs: string): string | null => {
    const rel = toPosixRelative(relative(rootReal, abs), sep);
    return rel === '' || rel === '..' || rel.startsWith('../') ? null : rel;
  };

  // Prunes what chokidar watches; the exact decision is taken again when a burst is reported.
  const ignored = (abs: string, stats?: Stats): boolean => {
    const rel = relOf(abs);
    if (rel === null) return false;
    // Never shared, but its appearance must be seen: it turns its folder into a mirror.
    if (isMirrorMarkerName(rel.slice(rel.lastIndexOf('/') + 1))) return false;
    if (stats !== undefined) return !rules.isShared(rel, stats.isDirectory());
    return !rules.isShared(rel, false) && !rules.isShared(rel, true);
  };

  const emit = (change: WorkspaceChange): void => {
    if (closed || halted) return;
    try {
      options.onChange(change);
    } catch (error) {
      onError(error);
    }
  };

  // Directories reported deleted lately, to fold deletes of their contents that chokidar reports
  // in a later burst. Path to the time the entry expires.
  const deletedDirs = new Map<string, number>();

  // Paths created and gone again within one burst, never reported: chokidar may report their
  // removal in a later burst (it holds unlinks back to detect atomic saves), which must not
  // become a delete of something nobody was told about. Path to the time the entry expires.
  const unreported = new Map<string, number>();

  const underDeletedDir = (path: string, now: number): boolean => {
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      const expires = deletedDirs.get(path.slice(0, cut));
      if (expires !== undefined && expires > now) return true;
    }
    return false;
  };

  const emitDeletes = (deletes: { path: string; kind: 'file' | 'dir' }[]): void => {
    const now = Date.now();
    for (const map of [deletedDirs, unreported]) {
      for (const [path, expires] of map) if (expires <= now) map.delete(path);
    }
    deletes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const change of deletes) {
      if (underDeletedDir(change.path, now) || unreported.has(change.path)) continue;
      emit({ type: 'delete', ...change });
      if (change.kind === 'dir') deletedDirs.set(change.path, now + DELETE_FOLD_MS);
    }
  };

  const emitUpsert = (entry: WorkspaceEntry): void => {
    // The path exists again, and so do its ancestors.
    unreported.delete(entry.path);
    for (let cut = entry.path.length; cut > 0; cut = entry.path.lastIndexOf('/', cut - 1)) {
      deletedDirs.delete(entry.path.slice(0, cut));
    }
    emit({ type: 'upsert', ...entry });
  };

  const reloadRules = async (): Promise<void> => {
    let before: Map<string, WorkspaceEntry> | null = null;
    try {
      before = await snapshot(rootReal, rules);
    } catch (error) {
      onError(error);
    }
    await rules.reload();
    if (before === null || closed) return;
    const after = await snapshot(rootReal, rules);
    const removed = [...before.values()].filter((entry) => !after.has(entry.path));
    emitDeletes(removed.map((entry) => ({ path: entry.path, kind: entry.kind })));
    // Newly shared paths were pruned from the watch. A newly shared directory is added so that
    // chokidar reports it and its contents as new (the last argument asks for those events),
    // which also covers files created while it was being set up. A newly shared file is watched
    // quietly and reported here. Entries come parents first, so a directory's contents follow it.
    let newDir: string | null = null;
    for (const entry of after.values()) {
      if (before.has(entry.path) || closed) continue;
      if (newDir !== null && entry.path.startsWith(`${newDir}/`)) continue;
      const abs = join(rootReal, ...entry.path.split('/'));
      if (entry.kind === 'dir') {
        newDir = entry.path;
        fsw?.add(abs, undefined, true);
      } else {
        emitUpsert(entry);
        fsw?.add(abs);
      }
    }
  };

  const processBatch = async (batch: Map<string, Pending>): Promise<void> => {
    const paths = [...batch.keys()].sort();
    const deletes: { path: string; kind: 'file' | 'dir' }[] = [];
    const upserts: WorkspaceEntry[] = [];
    let rulesChanged = false;
    if (batch.has(MIRROR_MARKER_FILE) && !halted && !options.ownMirror) {
      try {
        await assertShareable(rootReal);
      } catch (error) {
        // A guest mirrored into this very folder. Reporting on would echo the guest's writes
        // back to it; reporting deletes could make it delete the files it shares with us.
        halted = true;
        onError(error);
      }
    }
    if (halted) return;
    for (const path of paths) {
      const { before } = batch.get(path) as Pending;
      if (rules.isRulesFile(path)) rulesChanged = true;
      const abs = join(rootReal, ...path.split('/'));
      let now = await describeEntry(rootReal, path, abs, rules);
      if (now !== null && !rules.isShared(path, now.kind === 'dir')) now = null;
      const wasShared = before !== null && rules.isShared(path, before === 'dir');
      if (wasShared && (now === null || now.kind !== before)) deletes.push({ path, kind: before });
      if (before === null && now === null) unreported.set(path, Date.now() + DELETE_FOLD_MS);
      if (now !== null) upserts.push(now);
    }
    emitDeletes(deletes);
    upserts.forEach(emitUpsert);
    if (rulesChanged && !closed) await reloadRules();
  };

  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = new Map();
    flushing = flushing.then(() => processBatch(batch)).catch(onError);
  };

  const record = (event: ChokidarEvent, abs: string): void => {
    const rel = relOf(abs);
    if (rel === null || closed) return;
    if (!pending.has(rel)) {
      const created = event === 'add' || event === 'addDir';
      const kind = event === 'addDir' || event === 'unlinkDir' ? 'dir' : 'file';
      pending.set(rel, { before: created ? null : kind });
    }
    if (pending.size >= maxPending) return flush();
    const now = Date.now();
    if (timer === null) burstStart = now;
    else clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, burstStart + maxWaitMs - now));
    timer = setTimeout(flush, wait);
  };

  const ready = (async () => {
    rootReal = await realpath(root);
    if (rootReal !== rules.root) {
      throw new TypeError(`The rules were loaded for ${rules.root}, not for ${rootReal}.`);
    }
    if (!options.ownMirror) await assertShareable(rootReal);
    if (closed) return;
    const watcher = watch(rootReal, {
      ignoreInitial: true,
      followSymlinks: false,
      usePolling: false,
      ignored,
    });
    fsw = watcher;
    watcher.on('all', (event, path) => record(event as ChokidarEvent, path));
    watcher.on('error', onError);
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
  })();
  ready.catch(() => undefined); // Reported through `ready` itself.

  return {
    ready,
    async close(): Promise<void> {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      pending = new Map();
      await ready.catch(() => undefined);
      await fsw?.close();
      await flushing;
    },
  };
}
