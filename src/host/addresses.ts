import { networkInterfaces } from 'node:os';
import type { DirectAddress } from '../lobby/client.js';

/** Most direct addresses advertised; the lobby refuses more. */
export const MAX_DIRECT_ADDRESSES = 16;

/**
 * The addresses a guest may try to reach the host's listener at. A wildcard listener is
 * reachable on every IPv4 interface; loopback comes last for a guest on the same machine.
 * A wrong address costs the guest nothing: the fingerprint check rejects whatever answers.
 */
export function directAddresses(listenHost: string, port: number): DirectAddress[] {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return [{ host: listenHost, port }];
  const hosts: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) hosts.push(info.address);
    }
  }
  hosts.push('127.0.0.1');
  return hosts.slice(0, MAX_DIRECT_ADDRESSES).map((host) => ({ host, port }));
}

/** The first non-loopback IPv4 address, for links that a guest elsewhere can open. */
export function primaryAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return undefined;
}
