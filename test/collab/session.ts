/** Shared pieces of the in-process co-editing tests: a quick-saving host and admitted guests. */
import { joinSession, type GuestAgent, type JoinOptions } from '../../src/guest/agent.js';
import { startHost, type HostAgent } from '../../src/host/agent.js';
import type { HostEvent } from '../../src/host/events.js';
import type { Role } from '../../src/protocol/messages.js';
import { eventually } from '../e2e/harness.js';

/** A host sharing `dir` through the lobby at `lobbyUrl` (relay only), with its events. */
export interface TestHost {
  host: HostAgent;
  events: HostEvent[];
}

/** Starts a host that saves 50 ms after an edit, collecting its events. */
export async function startTestHost(dir: string, lobbyUrl: string): Promise<TestHost> {
  const events: HostEvent[] = [];
  const host = await startHost({
    dir,
    lobbyUrl,
    name: 'host',
    relayOnly: true,
    autosaveDebounceMs: 50,
    onEvent: (event) => events.push(event),
  });
  return { host, events };
}

/** Joins as `options.name` through the relay and admits the guest with `role`. */
export async function admitGuest(
  { host, events }: TestHost,
  role: Role,
  options: Omit<JoinOptions, 'link' | 'relayOnly'>,
): Promise<GuestAgent> {
  const { name } = options;
  const guest = await joinSession({ ...options, link: host.link, relayOnly: true });
  await eventually(() => events.some((e) => e.event === 'join-request' && e.name === name));
  const request = events.find((e) => e.event === 'join-request' && e.name === name) as {
    id: string;
  };
  host.approve(request.id, role);
  await eventually(() => guest.role === role);
  return guest;
}
