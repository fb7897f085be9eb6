import type { AppState } from '../protocol.js';

/** This participant's role as the page sees it. */
export type PageRole = AppState['role'];

/**
 * Whether a role may change files: the host always, guests with 'edit' or 'full'
 * (DESIGN.md, "Roles"). The host enforces this on every message; the page only hides the
 * controls that would be refused.
 */
export function mayEdit(role: PageRole): boolean {
  return role === 'host' || role === 'edit' || role === 'full';
}

/** How a role reads in the interface. */
export function roleLabel(role: PageRole): string {
  return role ?? 'not admitted';
}
