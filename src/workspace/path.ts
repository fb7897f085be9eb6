import { PathRejectedError } from './errors.js';

/**
 * Longest wire path accepted, in UTF-8 bytes. Threat: a peer sending megabyte paths to burn
 * memory and CPU in every check; real trees stay well below Linux's PATH_MAX of 4096.
 */
export const MAX_PATH_LENGTH = 1024;

/**
 * Most segments a wire path may have. Threat: absurdly deep paths that make every ancestor walk
 * (ignore rules, symlink checks) slow, and trees nested to exhaust the stack of naive tools.
 */
export const MAX_PATH_DEPTH = 64;

/**
 * Longest single segment, in UTF-8 bytes. Threat: names no common filesystem can store
 * (NAME_MAX is 255), which would fail late and half-way through a sync.
 */
export const MAX_SEGMENT_LENGTH = 255;

/** Limits for {@link normalizeRelativePath}; each defaults to the constant of the same name. */
export interface PathLimitOptions {
  /** Longest path in UTF-8 bytes; defaults to {@link MAX_PATH_LENGTH}. */
  maxLength?: number;
  /** Most segments; defaults to {@link MAX_PATH_DEPTH}. */
  maxDepth?: number;
}

// Control characters break line-based tools and logs; no source tree needs them in a name.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// `C:`, `c:foo`: a drive path on Windows even without a separator after the colon.
const WINDOWS_DRIVE = /^[A-Za-z]:/;

/**
 * Why one path segment (a file or directory name) cannot travel on the wire, or `null` when it
 * can. Shared by the normalizer and the scanner, which skips names it could never send.
 */
export function segmentProblem(segment: string): string | null {
  if (segment === '') return 'contains an empty segment';
  if (segment === '..') return "contains a '..' segment";
  if (segment.includes('\\')) return 'contains a backslash';
  if (segment.includes('\0')) return 'contains a NUL byte';
  if (CONTROL_CHARS.test(segment)) return 'contains a control character';
  if (Buffer.byteLength(segment) > MAX_SEGMENT_LENGTH) {
    return `has a segment longer than ${MAX_SEGMENT_LENGTH} bytes`;
  }
  return null;
}

/**
 * Validates a path received on the wire and returns its canonical form: POSIX separators,
 * relative to the workspace, `.` segments and one trailing `/` dropped.
 *
 * @param p the path as received, such as `'src/a.ts'`
 * @returns the canonical path, such as `'src/a.ts'` for `'./src/a.ts'`
 * @throws {PathRejectedError} with reason `invalid` for anything else: empty, absolute (`/x`,
 *   `C:\x`, `\\server\x`), `..`, backslashes, NUL or control characters, empty segments, or
 *   longer or deeper than the limits
 * @example
 * normalizeRelativePath('src/./a.ts'); // 'src/a.ts'
 * normalizeRelativePath('../etc/passwd'); // throws PathRejectedError
 */
export function normalizeRelativePath(p: string, options: PathLimitOptions = {}): string {
  const maxLength = options.maxLength ?? MAX_PATH_LENGTH;
  const maxDepth = options.maxDepth ?? MAX_PATH_DEPTH;
  const reject = (detail: string): never => {
    throw new PathRejectedError(String(p), 'invalid', detail);
  };
  if (typeof p !== 'string') return reject('not a string');
  if (p === '') return reject('empty');
  // Length first, so that nothing below scans a huge string.
  if (p.length > maxLength || Buffer.byteLength(p) > maxLength) {
    return reject(`longer than ${maxLength} bytes`);
  }
  if (p.startsWith('/')) return reject('absolute');
  if (WINDOWS_DRIVE.test(p)) return reject('a Windows drive path');
  if (p.includes('\\')) return reject('contains a backslash');
  const raw = p.endsWith('/') ? p.slice(0, -1) : p;
  const kept: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '.') continue;
    const problem = segmentProblem(segment);
    if (problem !== null) return reject(problem);
    kept.push(segment);
  }
  if (kept.length === 0) return reject('names the workspace root itself');
  if (kept.length > maxDepth) return reject(`deeper than ${maxDepth} segments`);
  return kept.join('/');
}

/**
 * Converts a path produced by `path.relative` on this platform into wire form. Only for paths the
 * caller built itself; the result still has to pass {@link normalizeRelativePath} when in doubt.
 */
export function toPosixRelative(nativeRelative: string, sep: string): string {
  return sep === '/' ? nativeRelative : nativeRelative.split(sep).join('/');
}
