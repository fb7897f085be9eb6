import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_PATH_DEPTH,
  MAX_PATH_LENGTH,
  normalizeRelativePath,
  PathRejectedError,
} from '../../src/workspace/index.js';

function rejects(p: string, pattern: RegExp): void {
  assert.throws(
    () => normalizeRelativePath(p),
    (error: unknown) =>
      error instanceof PathRejectedError &&
      error.name === 'PathRejectedError' &&
      error.reason === 'invalid' &&
      error.path === p &&
      pattern.test(error.message),
  );
}

test('plain relative paths come back unchanged', () => {
  assert.equal(normalizeRelativePath('src/a.ts'), 'src/a.ts');
  assert.equal(normalizeRelativePath('README.md'), 'README.md');
  assert.equal(normalizeRelativePath('dir with space/ü.txt'), 'dir with space/ü.txt');
  assert.equal(normalizeRelativePath('ab:c/d'), 'ab:c/d');
});

test('dot segments and one trailing slash are dropped', () => {
  assert.equal(normalizeRelativePath('./src/./a.ts'), 'src/a.ts');
  assert.equal(normalizeRelativePath('src/'), 'src');
  assert.equal(normalizeRelativePath('...'), '...');
  assert.equal(normalizeRelativePath('..a/b..'), '..a/b..');
});

test('parent segments are rejected wherever they are', () => {
  rejects('..', /'\.\.'/);
  rejects('../x', /'\.\.'/);
  rejects('a/../../x', /'\.\.'/);
  rejects('a/..', /'\.\.'/);
});

test('absolute POSIX and Windows paths are rejected', () => {
  rejects('/etc/passwd', /absolute/);
  rejects('//server/share', /absolute/);
  rejects('C:\\Windows', /drive/);
  rejects('c:foo', /drive/);
  rejects('C:/Windows', /drive/);
  rejects('\\\\server\\share', /backslash/);
});

test('backslashes, NUL and control characters are rejected', () => {
  rejects('a\\b', /backslash/);
  rejects('a\0b', /NUL/);
  rejects('a\nb', /control/);
  rejects('a\u007fb', /control/);
});

test('empty paths, empty segments and the root itself are rejected', () => {
  rejects('', /empty/);
  rejects('a//b', /empty segment/);
  rejects('a/b//', /empty segment/);
  rejects('.', /root/);
  rejects('./', /root/);
});

test('paths over the length, depth or segment limits are rejected', () => {
  rejects('a'.repeat(MAX_PATH_LENGTH + 1), /longer than/);
  rejects('é'.repeat(MAX_PATH_LENGTH / 2 + 1), /longer than/);
  rejects(
    Array(MAX_PATH_DEPTH + 1)
      .fill('d')
      .join('/'),
    /deeper than/,
  );
  rejects('x'.repeat(256), /segment longer/);
  assert.equal(normalizeRelativePath(Array(MAX_PATH_DEPTH).fill('d').join('/')).length, 127);
});

test('limits can be configured per call', () => {
  assert.throws(() => normalizeRelativePath('a/b/c', { maxDepth: 2 }), PathRejectedError);
  assert.throws(() => normalizeRelativePath('abcdef', { maxLength: 5 }), PathRejectedError);
  assert.equal(normalizeRelativePath('a/b', { maxDepth: 2 }), 'a/b');
});

test('a value that is not a string is rejected, not crashed on', () => {
  assert.throws(() => normalizeRelativePath(42 as unknown as string), PathRejectedError);
  assert.throws(() => normalizeRelativePath(null as unknown as string), PathRejectedError);
});

test('the error message quotes a huge offending path only in part', () => {
  try {
    normalizeRelativePath(`${'a'.repeat(5000)}/../x`);
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof PathRejectedError);
    assert.ok(error.message.length < 400);
  }
});
