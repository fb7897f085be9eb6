/**
 * What each role may ask the host to do (DESIGN.md, "Roles"). The host checks every guest message
 * here before acting on it; the guest's own idea of its role is never trusted.
 */
import { ROLES, type Role } from '../protocol/messages.js';

/** Everything a guest can ask the host for, one name per kind of request. */
export const GUEST_ACTIONS = [
  'read',
  'presence',
  'edit-document',
  'create',
  'write',
  'rename',
  'delete',
  'terminal',
] as const;

/**
 * One thing a guest can ask for: `read` (list the tree, read a file, open a document),
 * `presence` (send its cursor and awareness), `edit-document` (send a Yjs update), `create`,
 * `write`, `rename` and `delete` (file operations) and `terminal` (the shared terminal).
 */
export type GuestAction = (typeof GUEST_ACTIONS)[number];

/** One row of {@link PERMISSIONS}. */
export interface ActionRule {
  /** The least role that may do it; every role above it in `ROLES` may too. */
  readonly minRole: Role;
  /** What the action does, completing "ask the host for the edit role to …". */
  readonly purpose: string;
}

/**
 * The one table of who may do what. Roles are ordered (`ROLES`, least powerful first), so each
 * action names the least role allowed; anything not in this table is denied.
 */
export const PERMISSIONS: Readonly<Record<GuestAction, ActionRule>> = {
  read: { minRole: 'read-only', purpose: 'see files' },
  presence: { minRole: 'read-only', purpose: 'show your cursor' },
  'edit-document': { minRole: 'edit', purpose: 'change files' },
  create: { minRole: 'edit', purpose: 'change files' },
  write: { minRole: 'edit', purpose: 'change files' },
  rename: { minRole: 'edit', purpose: 'change files' },
  delete: { minRole: 'edit', purpose: 'change files' },
  terminal: { minRole: 'full', purpose: 'use the shared terminal' },
};

function rankOf(role: unknown): number {
  return ROLES.indexOf(role as Role);
}

function ruleOf(action: unknown): ActionRule | undefined {
  return Object.hasOwn(PERMISSIONS, action as PropertyKey)
    ? PERMISSIONS[action as GuestAction]
    : undefined;
}

/**
 * A guest asked for something its role does not allow. The host answers with an error and keeps
 * the connection: a guest whose role was just lowered may still have requests in flight.
 */
export class PermissionDeniedError extends Error {
  override readonly name = 'PermissionDeniedError';
  /** What was asked for. */
  readonly action: GuestAction;
  /** The role the guest holds. */
  readonly role: Role;

  /**
   * @param role the role the guest holds
   * @param action what it asked for
   */
  constructor(role: Role, action: GuestAction, options?: ErrorOptions) {
    const rule = ruleOf(action) as ActionRule;
    super(
      `Your role is ${role}; ask the host for the ${rule.minRole} role to ${rule.purpose}.`,
      options,
    );
    this.action = action;
    this.role = role;
  }
}

/**
 * Whether a guest with `role` may do `action`. Fails closed: an unknown role or action is denied.
 *
 * @param role the role the host gave the guest
 * @param action what the guest asks for
 * @returns `true` when {@link PERMISSIONS} allows it
 * @example
 * can('read-only', 'read'); // true
 * can('read-only', 'write'); // false
 */
export function can(role: Role, action: GuestAction): boolean {
  const rule = ruleOf(action);
  const rank = rankOf(role);
  return rule !== undefined && rank >= 0 && rank >= rankOf(rule.minRole);
}

/**
 * Throws unless a guest with `role` may do `action`; call it before acting on a guest's message.
 *
 * @param role the role the host gave the guest
 * @param action what the guest asks for
 * @throws {PermissionDeniedError} when the role does not allow it; the message names the role
 *   needed
 * @throws {TypeError} when `role` or `action` is not one Tandem knows (a bug in the caller)
 * @example
 * assertAllowed(guest.role, 'write'); // throws for a read-only guest
 */
export function assertAllowed(role: Role, action: GuestAction): void {
  if (rankOf(role) < 0) throw new TypeError(`Unknown role ${JSON.stringify(role)}.`);
  if (ruleOf(action) === undefined) {
    throw new TypeError(`Unknown guest action ${JSON.stringify(action)}.`);
  }
  if (!can(role, action)) throw new PermissionDeniedError(role, action);
}
