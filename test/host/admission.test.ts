import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionBook } from '../../src/host/admission.js';

test('a removed certificate is asked about again, even where others are admitted unasked', () => {
  const book = new AdmissionBook(8);
  book.remember('cert-a', 'edit');
  assert.equal(book.roleOf('cert-a'), 'edit');
  assert.equal(book.wasRemoved('cert-a'), false);
  book.forget('cert-a');
  assert.equal(book.roleOf('cert-a'), undefined);
  assert.equal(book.wasRemoved('cert-a'), true);
  assert.equal(book.wasRemoved('cert-b'), false);
  // Admitted by hand again: an ordinary guest once more.
  book.remember('cert-a', 'read-only');
  assert.equal(book.wasRemoved('cert-a'), false);
});
