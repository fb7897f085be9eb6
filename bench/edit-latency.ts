/**
 * Edit latency: how long an edit typed at one guest takes to show up at another guest, both
 * connected through the relay, measured in process on this machine. The same measurement over
 * direct connections, in the same run, is the baseline the relay figure is compared with.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinSession, type GuestAgent } from '../src/guest/agent.js';
import { startHost } from '../src/host/agent.js';
import type { HostEvent } from '../src/host/events.js';
import { createLobbyServer } from '../src/lobby/index.js';

const EDITS = 300;
const GAP_MS = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(relayOnly: boolean): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-edit-'));
  await writeFile(join(dir, 'main.ts'), 'export const x = 1;\n');
  const lobby = await createLobbyServer({ host: '127.0.0.1', port: 0 });
  const events: HostEvent[] = [];
  const host = await startHost({
    dir,
    lobbyUrl: lobby.url,
    name: 'host',
    relayOnly,
    listenHost: '127.0.0.1',
    onEvent: (e) => events.push(e),
  });
  const guests: GuestAgent[] = [];
  try {
    for (const name of ['ann', 'ben']) {
      const guest = await joinSession({ link: host.link, name, relayOnly });
      for (;;) {
        const request = events.find((e) => e.event === 'join-request' && e.name === name) as
          { id: string } | undefined;
        if (request) {
          host.approve(request.id, 'edit');
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      while (guest.role !== 'edit') await new Promise((r) => setTimeout(r, 20));
      guests.push(guest);
    }
    const [from, to] = guests.map((g) => g.collaboration.open('main.ts'));
    await Promise.all([from!.synced, to!.synced]);
    const latencies: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const marker = `/*${i}*/`;
      const seen = new Promise<number>((resolve) => {
        const observer = (): void => {
          if (to!.text.toString().includes(marker)) {
            to!.text.unobserve(observer);
            resolve(performance.now());
          }
        };
        to!.text.observe(observer);
      });
      const start = performance.now();
      from!.text.insert(from!.text.length, marker);
      latencies.push((await seen) - start);
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
    return latencies.sort((a, b) => a - b);
  } finally {
    for (const guest of guests) guest.leave();
    await host.end();
    await lobby.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const direct = await measure(false);
const relayed = await measure(true);
const describe = (label: string, l: number[]): string =>
  `${label}: median ${percentile(l, 50).toFixed(1)} ms, p99 ${percentile(l, 99).toFixed(1)} ms`;
console.log(`edit at one guest seen at another (${EDITS} edits each)`);
console.log(`  ${describe('direct (baseline)', direct)}`);
console.log(`  ${describe('relay', relayed)}`);
console.log(
  `  relay/direct: median ×${(percentile(relayed, 50) / percentile(direct, 50)).toFixed(2)}, ` +
    `p99 ×${(percentile(relayed, 99) / percentile(direct, 99)).toFixed(2)}`,
);
