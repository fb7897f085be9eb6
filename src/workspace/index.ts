/**
 * The workspace: what of the host's folder is shared and how guest paths are checked (host side),
 * and the guest's local mirror of it. Imports no server, CLI or network code.
 */
export {
  MirrorDirNotEmptyError,
  PathRejectedError,
  SharedFolderIsMirrorError,
  UnsafeMirrorDirError,
  WorkspaceLimitError,
  type PathRejectedReason,
} from './errors.js';
export {
  MAX_PATH_DEPTH,
  MAX_PATH_LENGTH,
  MAX_SEGMENT_LENGTH,
  normalizeRelativePath,
  type PathLimitOptions,
} from './path.js';
export {
  BUILTIN_EXCLUDES,
  GIT_IGNORE_FILE,
  loadWorkspaceRules,
  MAX_IGNORE_FILE_BYTES,
  MAX_IGNORE_FILES,
  MAX_RULE_CACHE_QUERIES,
  MAX_RULE_SCAN_DIRS,
  TANDEM_IGNORE_FILE,
  WorkspaceRules,
  type WorkspaceRulesOptions,
} from './rules.js';
export { resolveInside } from './resolve.js';
export type { WorkspaceEntry } from './entry.js';
export {
  listFolder,
  MAX_SCAN_ENTRIES,
  SCAN_STAT_CONCURRENCY,
  scanWorkspace,
  type ScanOptions,
} from './scan.js';
export {
  DEFAULT_DEBOUNCE_MS,
  DELETE_FOLD_MS,
  MAX_DEBOUNCE_WAIT_MS,
  MAX_PENDING_CHANGES,
  watchWorkspace,
  type WatchOptions,
  type WorkspaceChange,
  type WorkspaceWatcher,
} from './watcher.js';
export {
  BINARY_SNIFF_BYTES,
  DEFAULT_CHUNK_SIZE,
  isProbablyBinary,
  MAX_CHUNK_SIZE,
  MAX_TEXT_FILE_BYTES,
  readFileChunks,
  type ReadChunksOptions,
} from './content.js';
export {
  MAX_MIRROR_FILE_BYTES,
  MAX_OPEN_FILE_WRITERS,
  Mirror,
  openMirror,
  type LocalEntry,
  type MirrorOptions,
  type PruneOptions,
} from './mirror.js';
export type { MirrorFileWriter, MirrorWriteOptions } from './mirror-writer.js';
export { assertShareable, MIRROR_MARKER_FILE, MIRROR_MARKER_VERSION } from './mirror-marker.js';
export {
  FileOperationError,
  type FileOperationCode,
  type FileOperationErrorOptions,
} from './file-ops-error.js';
export {
  HostFileOps,
  MAX_DELETE_ENTRIES,
  MAX_RENAME_ENTRIES,
  MAX_WRITE_BYTES,
  type HostFileOpsOptions,
  type RenameOptions,
} from './file-ops.js';
export {
  assertAllowed,
  can,
  GUEST_ACTIONS,
  PERMISSIONS,
  PermissionDeniedError,
  type ActionRule,
  type GuestAction,
} from './permissions.js';
export {
  applyTextChange,
  AUTOSAVE_DEBOUNCE_MS,
  AUTOSAVE_MAX_WAIT_MS,
  decodeText,
  diffText,
  DISK_ORIGIN,
  DOCUMENT_TEXT_NAME,
  DocumentSaveError,
  DocumentStore,
  encodeText,
  MAX_DIFF_COST,
  MAX_OPEN_DOCUMENT_BYTES,
  MAX_OPEN_DOCUMENTS,
  NotATextFileError,
  replaceFileAtomic,
  SAVE_RETRY_BASE_MS,
  SAVE_RETRY_MAX_MS,
  whyNotText,
  type DecodedText,
  type DiffTextOptions,
  type DocumentGoneReason,
  type DocumentStoreOptions,
  type NotATextFileReason,
  type NotTextReason,
  type ReplaceFile,
  type SharedDocument,
  type TextDiff,
  type TextFormat,
} from './documents/index.js';
