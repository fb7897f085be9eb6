import { networkInterfaces } from 'node:os';
import type { DirectAddress } from '../lobby/client.js';

/** Most direct addresses advertised; the lobby refuses more. */
export const MAX_DIRECT_ADDRESSES = 16;

/** Whether a listening address means every interface. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** This machine's non-loopback IPv4 addresses, in interface order. */
function lanAddresses(): string[] {
  const hosts: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) hosts.push(info.address);
    }
  }
  return hosts;
}

/**
 * The addresses a guest may try to reach the host's listener at. A wildcard listener is
 * reachable on every IPv4 interface; loopback comes last for a guest on the same machine.
 * A wrong address costs the guest nothing: the fingerprint check rejects whatever answers.
 */
export function directAddresses(listenHost: string, port: number): DirectAddress[] {
  if (!isWildcard(listenHost)) return [{ host: listenHost, port }];
  const hosts = [...lanAddresses(), '127.0.0.1'];
  return hosts.slice(0, MAX_DIRECT_ADDRESSES).map((host) => ({ host, port }));
}

/** The first non-loopback IPv4 address, for links that a guest elsewhere can open. */
export function primaryAddress(): string | undefined {
  return lanAddresses()[0];
}
