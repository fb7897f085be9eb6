import type { Dirent } from 'node:fs';
import { lstat, readFile, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { WorkspaceLimitError } from './errors.js';
import { isMirrorMarkerName, MIRROR_MARKER_FILE } from './mirror-marker.js';
import { isMirrorOwnName } from './mirror-names.js';
import { MAX_PATH_DEPTH, normalizeRelativePath, segmentProblem } from './path.js';

/**
 * What is never shared, whatever the ignore files say (gitignore syntax, matched at any depth and
 * case-insensitively so that `.ENV` on a case-insensitive disk is caught too). Threat: a host
 * sharing a checkout, or by mistake a home folder, hands guests its credentials.
 *
 * The boundary: a file is excluded when its own name says it holds secrets (`.env`, `*.pem`,
 * `credentials.json`, `secrets.yaml`) or it sits where a tool keeps its tokens (`.aws/`,
 * `.config/gcloud/`, `.docker/config.json`). Code and docs named after secrets (`credentials.ts`,
 * `env.ts`, `secrets.py`, `SECRETS.md`) stay shared: guests need the code, and a key written into
 * code is the repository's leak, not Tandem's. Two rules lean the other way on purpose: every
 * `.env.*` is excluded (`.env.example`, even `.env.ts`), since real values often live under
 * those names; and a whole `.yarnrc.yml` is excluded because it can hold `npmAuthToken`. `.git`
 * carries remote credentials in its config and hooks that run code. Shell and REPL histories
 * hold pasted tokens and passwords.
 */
export const BUILTIN_EXCLUDES: readonly string[] = [
  '.git',
  // Environment files.
  '.env',
  '.env.*',
  '*.env',
  '.envrc',
  // Keys, certificates and key stores.
  '*.pem',
  '*.key',
  '*.p8',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  '*.ppk',
  '*.kdbx',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  // Cloud and service credentials.
  '*credentials.json',
  'client_secret*.json',
  'service-account*.json',
  '*-service-account.json',
  'secrets.json',
  'secrets.toml',
  'secrets.yaml',
  'secrets.yml',
  '*.tfstate',
  '*.tfstate.*',
  '*.tfvars',
  '*.tfvars.json',
  'kubeconfig',
  'kubeconfig.yaml',
  'kubeconfig.yml',
  '*.kubeconfig',
  '.s3cfg',
  '.vault-token',
  '.aws/',
  '.azure/',
  '.kube/',
  '**/.config/gcloud/',
  '**/.config/gh/hosts.yml',
  // Package registries, git and databases.
  '.npmrc',
  '.yarnrc.yml',
  '.pypirc',
  '**/.cargo/credentials',
  '**/.cargo/credentials.toml',
  '**/.gem/credentials',
  '.dockercfg',
  '**/.docker/config.json',
  '.netrc',
  '_netrc',
  '.git-credentials',
  '.pgpass',
  '.my.cnf',
  '.htpasswd',
  // Home-folder stores and histories.
  '.ssh/',
  '.gnupg/',
  '.*_history',
  '.zhistory',
];

/** The root-level file whose gitignore-syntax patterns exclude more paths from sharing. */
export const TANDEM_IGNORE_FILE = '.tandemignore';

/** The per-directory ignore file honoured like git does. */
export const GIT_IGNORE_FILE = '.gitignore';

/**
 * Most `.gitignore` files read. Threat: a hostile checkout with one in every directory, making
 * every path check walk thousands of rule sets. Exceeding it fails closed (nothing is shared).
 */
export const MAX_IGNORE_FILES = 10_000;

/**
 * Largest ignore file read, in bytes. Threat: a multi-gigabyte `.gitignore` exhausting memory.
 * Exceeding it fails closed rather than silently sharing what the file meant to hide.
 */
export const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

/**
 * Most directories visited while looking for nested `.gitignore` files. Threat: a tree so large
 * that loading rules never finishes.
 */
export const MAX_RULE_SCAN_DIRS = 200_000;

/**
 * Rule queries after which the compiled matchers are rebuilt. Threat: the `ignore` package
 * memoizes every path it is asked about, so a guest probing random paths would grow that memo
 * without bound.
 */
export const MAX_RULE_CACHE_QUERIES = 250_000;

/** Options for {@link loadWorkspaceRules}. */
export interface WorkspaceRulesOptions {
  /** More patterns that are never shared, added to {@link BUILTIN_EXCLUDES}. */
  extraExcludes?: readonly string[];
  /**
   * Match `.gitignore` and `.tandemignore` patterns case-insensitively (default `true`, which
   * excludes more rather than less on case-sensitive disks). Built-in excludes always ignore case.
   */
  ignoreCase?: boolean;
  /** Defaults to {@link MAX_IGNORE_FILES}. */
  maxIgnoreFiles?: number;
  /** Defaults to {@link MAX_IGNORE_FILE_BYTES}. */
  maxIgnoreFileBytes?: number;
  /** Defaults to {@link MAX_RULE_SCAN_DIRS}. */
  maxDirs?: number;
  /** Defaults to {@link MAX_RULE_CACHE_QUERIES}. */
  maxCacheQueries?: number;
}

/** The text of every ignore file, as read; compiled into matchers by {@link RuleSet}. */
interface RuleTexts {
  builtin: readonly string[];
  tandem: string | null;
  /** Directory (POSIX relative, '' for the root) to the text of its ignore rules. */
  git: Map<string, string>;
}

/** Compiled matchers for one version of the rules. */
class RuleSet {
  readonly #texts: RuleTexts;
  readonly #ignoreCase: boolean;
  readonly #maxQueries: number;
  #builtin!: Ignore;
  #tandem!: Ignore | null;
  #git!: Map<string, Ignore>;
  /** Directories holding {@link MIRROR_MARKER_FILE}: a guest's mirror, never shared. */
  readonly #mirrors = new Set<string>();
  #queries = 0;

  constructor(texts: RuleTexts, ignoreCase: boolean, maxQueries: number) {
    this.#texts = texts;
    this.#ignoreCase = ignoreCase;
    this.#maxQueries = maxQueries;
    this.#compile();
  }

  /** Adds a directory's rules while the loader walks down the tree. */
  addGit(dir: string, text: string): void {
    this.#texts.git.set(dir, text);
    this.#git.set(dir, ignore({ ignorecase: this.#ignoreCase }).add(text));
  }

  /** Records a directory that is a Tandem mirror, found while the loader walks down the tree. */
  addMirror(dir: string): void {
    this.#mirrors.add(dir);
  }

  #compile(): void {
    this.#builtin = ignore({ ignorecase: true }).add([...this.#texts.builtin]);
    const tandem = this.#texts.tandem;
    this.#tandem = tandem === null ? null : ignore({ ignorecase: this.#ignoreCase }).add(tandem);
    this.#git = new Map();
    for (const [dir, text] of this.#texts.git) {
      this.#git.set(dir, ignore({ ignorecase: this.#ignoreCase }).add(text));
    }
  }

  /** Whether `rel` itself is shared, assuming every ancestor directory is. */
  entryShared(rel: string, isDir: boolean): boolean {
    if (++this.#queries > this.#maxQueries) {
      this.#queries = 0;
      this.#compile();
    }
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (isDir ? this.#mirrors.has(rel) : isMirrorMarkerName(name)) return false;
    // Tandem's own temporary files (a half-written copy) and a mirror's state folder: sharing
    // one would hand out a partial file, and a mirror would send its bookkeeping to the host.
    if (isMirrorOwnName(name)) return false;
    const probe = isDir ? `${rel}/` : rel;
    if (this.#builtin.ignores(probe)) return false;
    if (this.#tandem?.ignores(probe)) return false;
    // Deeper ignore files take precedence, as in git: the first file with a matching rule decides.
    let cut = rel.lastIndexOf('/');
    for (;;) {
      const dir = cut < 0 ? '' : rel.slice(0, cut);
      const matcher = this.#git.get(dir);
      if (matcher !== undefined) {
        const local = cut < 0 ? probe : probe.slice(cut + 1);
        const result = matcher.test(local);
        if (result.ignored) return false;
        if (result.unignored) return true;
      }
      if (cut < 0) return true;
      cut = rel.lastIndexOf('/', cut - 1);
    }
  }

  /** Whether `rel` and all its ancestors are shared. */
  pathShared(rel: string, isDir: boolean): boolean {
    // As in git, a path inside an excluded directory cannot be re-included, so walk down.
    let end = rel.indexOf('/');
    while (end >= 0) {
      if (!this.entryShared(rel.slice(0, end), true)) return false;
      end = rel.indexOf('/', end + 1);
    }
    return this.entryShared(rel, isDir);
  }
}

function isDenied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads an ignore file if it is a regular file; symlinked ones are skipped, as git does. */
async function readIgnoreFile(abs: string, maxBytes: number): Promise<string | null> {
  try {
    const info = await lstat(abs);
    if (!info.isFile()) return null;
    if (info.size > maxBytes) {
      throw new WorkspaceLimitError(
        'MAX_IGNORE_FILE_BYTES',
        maxBytes,
        `Ignore file ${abs} is ${info.size} bytes, over the ${maxBytes}-byte limit; ` +
          'shrink it or raise maxIgnoreFileBytes.',
      );
    }
    return await readFile(abs, 'utf8');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

async function loadRuleSet(rootReal: string, options: WorkspaceRulesOptions): Promise<RuleSet> {
  const maxFiles = options.maxIgnoreFiles ?? MAX_IGNORE_FILES;
  const maxBytes = options.maxIgnoreFileBytes ?? MAX_IGNORE_FILE_BYTES;
  const maxDirs = options.maxDirs ?? MAX_RULE_SCAN_DIRS;
  const texts: RuleTexts = {
    builtin: [...BUILTIN_EXCLUDES, ...(options.extraExcludes ?? [])],
    tandem: await readIgnoreFile(join(rootReal, TANDEM_IGNORE_FILE), maxBytes),
    git: new Map(),
  };
  const set = new RuleSet(
    texts,
    options.ignoreCase ?? true,
    options.maxCacheQueries ?? MAX_RULE_CACHE_QUERIES,
  );
  // Breadth-first, so that a directory's own rules are known before its children are judged.
  const queue: string[] = [''];
  let files = 0;
  for (let next = 0; next < queue.length; next++) {
    if (next >= maxDirs) {
      throw new WorkspaceLimitError(
        'MAX_RULE_SCAN_DIRS',
        maxDirs,
        `More than ${maxDirs} shared directories; exclude some in ${TANDEM_IGNORE_FILE} ` +
          'or raise maxDirs.',
      );
    }
    const dir = queue[next] as string;
    const abs = dir === '' ? rootReal : join(rootReal, ...dir.split('/'));
    let entries: Dirent[] | null;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      entries = null; // Unreadable directories are not shared anyway.
    }
    // A mirror below the root is left out with everything in it. The root itself is judged by
    // assertShareable instead: the guest loads these rules for its own mirror, too.
    if (dir !== '' && entries?.some((entry) => entry.name === MIRROR_MARKER_FILE)) {
      set.addMirror(dir);
      continue;
    }
    let text: string | null;
    try {
      text = await readIgnoreFile(join(abs, GIT_IGNORE_FILE), maxBytes);
    } catch (error) {
      if (!isDenied(error)) throw error;
      // Fail closed: without its rules nothing in this directory is known to be shareable.
      text = '*\n';
    }
    if (dir === '') {
      // The repository's own exclude file ranks below the root .gitignore, as in git.
      const exclude = await readIgnoreFile(join(rootReal, '.git', 'info', 'exclude'), maxBytes);
      if (exclude !== null) text = `${exclude}\n${text ?? ''}`;
    }
    if (text !== null) {
      if (++files > maxFiles) {
        throw new WorkspaceLimitError(
          'MAX_IGNORE_FILES',
          maxFiles,
          `More than ${maxFiles} .gitignore files; raise maxIgnoreFiles to share this folder.`,
        );
      }
      set.addGit(dir, text);
    }
    const depth = dir === '' ? 0 : dir.split('/').length;
    if (depth >= MAX_PATH_DEPTH || entries === null) continue;
    for (const entry of entries) {
      if (!entry.isDirectory() || segmentProblem(entry.name) !== null) continue;
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (set.entryShared(rel, true)) queue.push(rel);
    }
  }
  return set;
}

/**
 * What of the host's folder is shared: everything except {@link BUILTIN_EXCLUDES}, paths matched
 * by `.gitignore` files (root and nested, with git's precedence and relative semantics, plus
 * `.git/info/exclude`) and paths matched by a root `.tandemignore`. A `.tandemignore` can only
 * exclude more; nothing re-includes a built-in exclude.
 *
 * A Tandem mirror below the root (a folder holding {@link MIRROR_MARKER_FILE}) is never shared,
 * nor is any marker file, Tandem temporary file (`.tandem-<hex>.tmp`) or mirror state folder
 * (`.tandem-mirror-state`). Mirrors are found while loading, with the `.gitignore` walk's own
 * `readdir`; one made later is found at the next {@link reload}, which the watcher starts when a
 * marker appears. Whether the root itself is a mirror is `assertShareable`'s question.
 */
export class WorkspaceRules {
  /** The workspace root, resolved with `realpath`. */
  readonly root: string;
  readonly #options: WorkspaceRulesOptions;
  #set: RuleSet;
  #reloading: Promise<void> = Promise.resolve();

  private constructor(root: string, set: RuleSet, options: WorkspaceRulesOptions) {
    this.root = root;
    this.#set = set;
    this.#options = options;
  }

  /** Reads the rules of the folder `root`. Prefer {@link loadWorkspaceRules}. */
  static async load(root: string, options: WorkspaceRulesOptions = {}): Promise<WorkspaceRules> {
    const rootReal = await realpath(root);
    return new WorkspaceRules(rootReal, await loadRuleSet(rootReal, options), options);
  }

  /**
   * Whether a path is shared. Fails closed: a path that is not a valid wire path is not shared.
   *
   * @param relPath a POSIX path relative to the root, such as `'src/a.ts'`
   * @param isDir whether the path is a directory (patterns such as `build/` match only those)
   */
  isShared(relPath: string, isDir: boolean): boolean {
    let rel: string;
    try {
      rel = normalizeRelativePath(relPath);
    } catch {
      return false;
    }
    return this.#set.pathShared(rel, isDir);
  }

  /**
   * Like {@link isShared} for a path whose parent directory the caller already knows is shared;
   * the scanner and watcher use it to avoid re-walking ancestors. `relPath` must be canonical.
   */
  isEntryShared(relPath: string, isDir: boolean): boolean {
    return this.#set.entryShared(relPath, isDir);
  }

  /**
   * Whether a change to this path can change the rules, so that {@link reload} is due: an ignore
   * file, or a mirror marker that makes its folder a mirror (or stops doing so).
   */
  isRulesFile(relPath: string): boolean {
    const name = relPath.slice(relPath.lastIndexOf('/') + 1);
    return (
      relPath === TANDEM_IGNORE_FILE || name === GIT_IGNORE_FILE || name === MIRROR_MARKER_FILE
    );
  }

  /**
   * Re-reads every ignore file and swaps the rules in one step; checks running meanwhile see the
   * old or the new rules, never a mix. Concurrent calls run one after the other.
   */
  reload(): Promise<void> {
    const run = this.#reloading.then(async () => {
      this.#set = await loadRuleSet(this.root, this.#options);
    });
    this.#reloading = run.catch(() => undefined);
    return run;
  }
}

/**
 * Reads the sharing rules of the host's folder.
 *
 * @param root the folder being shared
 * @throws {WorkspaceLimitError} when ignore files exceed the limits (nothing is shared then)
 * @example
 * const rules = await loadWorkspaceRules('/home/me/project');
 * rules.isShared('src/a.ts', false); // true
 * rules.isShared('.env', false); // false
 */
export function loadWorkspaceRules(
  root: string,
  options: WorkspaceRulesOptions = {},
): Promise<WorkspaceRules> {
  return WorkspaceRules.load(root, options);
}
