import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROLES, type Role } from '../../src/protocol/messages.js';
import {
  assertAllowed,
  can,
  GUEST_ACTIONS,
  PermissionDeniedError,
  type GuestAction,
} from '../../src/workspace/index.js';

// Written out by hand from DESIGN.md ("Roles"), not derived from PERMISSIONS, so that a change
// to the table has to be made twice.
const EXPECTED: Record<GuestAction, Record<Role, boolean>> = {
  read: { 'read-only': true, edit: true, full: true },
  presence: { 'read-only': true, edit: true, full: true },
  'edit-document': { 'read-only': false, edit: true, full: true },
  create: { 'read-only': false, edit: true, full: true },
  write: { 'read-only': false, edit: true, full: true },
  rename: { 'read-only': false, edit: true, full: true },
  delete: { 'read-only': false, edit: true, full: true },
  terminal: { 'read-only': false, edit: false, full: true },
};

// How each action reads in a test name.
const PHRASES: Record<GuestAction, string> = {
  read: 'read the tree and files',
  presence: 'show its cursor',
  'edit-document': 'edit an open document',
  create: 'create files',
  write: 'write files',
  rename: 'rename files',
  delete: 'delete files',
  terminal: 'use the shared terminal',
};

test('the expected table covers every action and role there is', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), [...GUEST_ACTIONS].sort());
  for (const row of Object.values(EXPECTED)) assert.deepEqual(Object.keys(row), [...ROLES]);
});

for (const action of GUEST_ACTIONS) {
  for (const role of ROLES) {
    const allowed = EXPECTED[action][role];
    test(`a guest with the ${role} role ${allowed ? 'may' : 'may not'} ${PHRASES[action]}`, () => {
      assert.equal(can(role, action), allowed);
      if (allowed) {
        assert.doesNotThrow(() => assertAllowed(role, action));
      } else {
        assert.throws(
          () => assertAllowed(role, action),
          (error: unknown) =>
            error instanceof PermissionDeniedError &&
            error.name === 'PermissionDeniedError' &&
            error.role === role &&
            error.action === action,
        );
      }
    });
  }
}

test('a refusal tells the guest which role to ask the host for', () => {
  assert.throws(() => assertAllowed('read-only', 'write'), {
    message: 'Your role is read-only; ask the host for the edit role to change files.',
  });
  assert.throws(() => assertAllowed('edit', 'terminal'), {
    message: 'Your role is edit; ask the host for the full role to use the shared terminal.',
  });
});

test('an unknown role or action is denied, and asserting it is a programming error', () => {
  assert.equal(can('admin' as Role, 'read'), false);
  assert.equal(can('full', 'format-disk' as GuestAction), false);
  assert.equal(can('full', 'toString' as GuestAction), false);
  assert.throws(() => assertAllowed('admin' as Role, 'read'), TypeError);
  assert.throws(() => assertAllowed('full', '__proto__' as GuestAction), TypeError);
});
