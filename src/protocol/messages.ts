/**
 * Every message that crosses the guest–host connection, as zod schemas. The host validates
 * what guests send and the guest validates what the host sends: neither trusts the other's
 * framing, types or sizes.
 */
import { z } from 'zod';
import { WIRE_ERROR_CODES } from './close-codes.js';

/** Protocol version spoken by this build; both sides must agree in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Longest display name a participant may use. Longer names are a layout and log nuisance. */
export const MAX_NAME_LENGTH = 64;

/** Longest relative path on the wire. Matches the workspace limit. */
export const MAX_WIRE_PATH_LENGTH = 1024;

/** Most entries in one `tree` message, so a 50,000-file folder goes in many small frames. */
export const TREE_CHUNK_ENTRIES = 1000;

/** Roles a guest can hold, least to most powerful (DESIGN.md, "Roles"). */
export const ROLES = ['read-only', 'edit', 'full'] as const;
/** A guest's role. */
export type Role = (typeof ROLES)[number];

const name = z.string().trim().min(1).max(MAX_NAME_LENGTH);
// The guest re-checks every path with the mirror's own gate; this is only the first filter.
const wirePath = z.string().min(1).max(MAX_WIRE_PATH_LENGTH);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const errorMessage = z.object({
  t: z.literal('error'),
  code: z.enum(WIRE_ERROR_CODES),
  message: z.string().max(1000),
});

/** One file or folder in the shared tree. */
export const treeEntrySchema = z.object({
  path: wirePath,
  kind: z.enum(['file', 'dir']),
  size: count,
  executable: z.boolean(),
});
/** One file or folder in the shared tree. */
export type TreeEntry = z.infer<typeof treeEntrySchema>;

/** Messages a guest may send to the host. */
export const guestMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), protocol: z.number().int(), name }),
  // Asks for the whole tree with file contents, then for every later change (the mirror).
  z.object({ t: z.literal('sync') }),
  z.object({ t: z.literal('bye') }),
  errorMessage,
]);
/** A message from a guest. */
export type GuestMessage = z.infer<typeof guestMessageSchema>;

/** Messages the host may send to a guest. */
export const hostMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), protocol: z.number().int(), sessionName: name }),
  z.object({ t: z.literal('pending') }),
  z.object({ t: z.literal('admitted'), role: z.enum(ROLES) }),
  // The host changed this guest's role; it applies from this message on.
  z.object({ t: z.literal('role'), role: z.enum(ROLES) }),
  z.object({ t: z.literal('tree'), entries: z.array(treeEntrySchema).max(TREE_CHUNK_ENTRIES) }),
  // File content in order; the body holds bytes [offset, offset + body.length).
  z.object({
    t: z.literal('file'),
    path: wirePath,
    size: count,
    offset: count,
    executable: z.boolean(),
    last: z.boolean(),
  }),
  z.object({ t: z.literal('remove'), path: wirePath }),
  z.object({ t: z.literal('synced'), files: count, bytes: count }),
  z.object({ t: z.literal('ended'), reason: z.string().max(1000) }),
  errorMessage,
]);
/** A message from the host. */
export type HostMessage = z.infer<typeof hostMessageSchema>;
