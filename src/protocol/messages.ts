/**
 * Every message that crosses the guest–host connection, as zod schemas. The host validates
 * what guests send and the guest validates what the host sends: neither trusts the other's
 * framing, types or sizes.
 */
import { z } from 'zod';
import { WIRE_ERROR_CODES } from './close-codes.js';

/**
 * Protocol version spoken by this build; both sides must agree in `hello`. 2: the guest
 * acknowledges what it handled (`ack`), and the host's snapshot waits for it.
 */
export const PROTOCOL_VERSION = 2;

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

// No control or format characters: a name is printed on the other side's terminal, where an
// escape sequence could forge a PIN line or hide the prompt (bidi overrides likewise).
const name = z
  .string()
  .trim()
  .min(1)
  .max(MAX_NAME_LENGTH)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'names may not contain control characters');
// The guest re-checks every path with the mirror's own gate; this is only the first filter.
const wirePath = z.string().min(1).max(MAX_WIRE_PATH_LENGTH);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const errorMessage = z.object({
  t: z.literal('error'),
  code: z.enum(WIRE_ERROR_CODES),
  message: z.string().max(1000),
});

/** File operations a guest may ask the host for (checked against its role by the host). */
export const FILE_OPS = ['create', 'mkdir', 'write', 'rename', 'delete'] as const;
/** A file operation. */
export type FileOp = (typeof FILE_OPS)[number];

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
  // Asks for the whole tree, then every later change; with `contents` (the mirror, the
  // default) file contents come too.
  z.object({ t: z.literal('sync'), contents: z.boolean().optional() }),
  // How many host messages (and body bytes) the guest has handled since it connected; the host
  // keeps a snapshot within a window of that (protocol/flow.ts).
  z.object({ t: z.literal('ack'), messages: count, bytes: count }),
  // Asks for a file's current content again (a mirror putting back a change it may not make).
  z.object({ t: z.literal('fetch'), path: wirePath }),
  // Opens a shared text document; y-protocols sync messages for it follow as `doc`.
  z.object({ t: z.literal('open'), path: wirePath }),
  z.object({ t: z.literal('close'), path: wirePath }),
  // Body: one y-protocols sync message (step 1, step 2 or update) for the document at `path`.
  z.object({ t: z.literal('doc'), path: wirePath }),
  // Body: a y-protocols awareness update with the sender's own presence.
  z.object({ t: z.literal('awareness') }),
  // Body: the new content for `create` and `write`.
  z.object({
    t: z.literal('fs'),
    ref: count,
    op: z.enum(FILE_OPS),
    path: wirePath,
    to: wirePath.optional(),
  }),
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
  // The document at `path` is open; sync messages follow.
  z.object({ t: z.literal('opened'), path: wirePath }),
  z.object({ t: z.literal('doc'), path: wirePath }),
  // The document's file was deleted, renamed or became binary; edits are no longer saved.
  z.object({ t: z.literal('doc-gone'), path: wirePath, reason: z.string().max(200) }),
  z.object({ t: z.literal('awareness') }),
  // Outcome of the guest's `fs` request with the same `ref`.
  z.object({
    t: z.literal('fs-result'),
    ref: count,
    ok: z.boolean(),
    message: z.string().max(1000).optional(),
  }),
  // Something the guest sent was refused and not applied (its role does not allow it, say).
  z.object({ t: z.literal('refused'), path: wirePath.optional(), message: z.string().max(1000) }),
  z.object({ t: z.literal('synced'), files: count, bytes: count }),
  z.object({ t: z.literal('ended'), reason: z.string().max(1000) }),
  errorMessage,
]);
/** A message from the host. */
export type HostMessage = z.infer<typeof hostMessageSchema>;
