import type { ConnectionPath } from '../host/events.js';
import type { Role } from '../protocol/messages.js';
import type { CollaborationEvent } from './collaboration.js';
import type { WritebackEvent } from './mirror-writeback.js';

/**
 * What the guest agent reports, in the shape the CLI prints with `--json` (one object per
 * line, each with an `event` field).
 */
export type GuestEvent =
  | { event: 'connected'; via: ConnectionPath; sessionName: string }
  | { event: 'pin'; pin: string; via: ConnectionPath }
  | { event: 'waiting' }
  | { event: 'approved'; role: Role }
  | { event: 'role'; role: Role }
  | { event: 'removed'; message: string }
  | { event: 'reconnecting'; attempt: number; delayMs: number }
  | { event: 'denied'; message: string }
  | { event: 'synced'; files: number; bytes: number; dir: string }
  | { event: 'changed'; path: string; kind: 'file' | 'dir' | 'removed' }
  | { event: 'skipped'; path: string; reason: string }
  | { event: 'ended'; reason: string }
  | { event: 'error'; message: string }
  | CollaborationEvent
  | WritebackEvent;
