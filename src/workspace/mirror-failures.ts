import { PathRejectedError } from './errors.js';

/** The `code` of a Node.js system error, if any. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * Error codes that doom one file only: the guest's disk refuses that name or finds something else
 * in its way. They become {@link PathRejectedError}s, so that the guest skips the file with a
 * warning. Codes such as ENOSPC, EROFS or EACCES concern the whole mirror and pass through.
 */
const PER_FILE_CODES: ReadonlySet<string> = new Set([
  'EEXIST',
  'EISDIR',
  'ENOTDIR',
  'ENAMETOOLONG',
  'EILSEQ',
  'EINVAL',
]);

/**
 * The error to throw for a failure while writing `relPath` into a mirror: per-file disk errors
 * become {@link PathRejectedError}s with the original as `cause`, the rest pass unchanged.
 */
export function perFileError(relPath: string, error: unknown): unknown {
  const code = errorCode(error);
  if (code === undefined || !PER_FILE_CODES.has(code)) return error;
  return new PathRejectedError(relPath, 'invalid', `the mirror's disk refused it (${code})`, {
    cause: error,
  });
}

/** Runs `work`, turning per-file disk errors into {@link PathRejectedError}s. */
export async function forFile<T>(relPath: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw perFileError(relPath, error);
  }
}

/** A `catch` handler that swallows the given error codes and rethrows anything else. */
export function ignoreCodes(...codes: string[]): (error: unknown) => void {
  return (error) => {
    if (!codes.includes(errorCode(error) ?? '')) throw error;
  };
}
