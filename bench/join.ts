/**
 * Join benchmark: how long `tandem join` takes to show the PIN and to have a full mirror of a
 * real folder, and how fast one large file crosses the relay compared with a direct
 * connection, all measured in the same run on this machine. Figures are reported as ratios
 * against a baseline from the same run, because a shared machine is noisy.
 *
 *     npm run bench                 # the defaults
 *     npm run bench -- --folder DIR --large-mib 256
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLobbyServer } from '../src/lobby/index.js';
import { countTree } from './tree.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Timing {
  pinMs: number;
  syncedMs: number;
}

/** Starts host and guest CLIs, returns when the guest's mirror is complete. */
async function timeJoin(folder: string, lobbyUrl: string, relayOnly: boolean): Promise<Timing> {
  const mirror = await mkdtemp(join(tmpdir(), 'tandem-bench-mirror-'));
  const hostArgs = [
    'host',
    folder,
    '--lobby',
    lobbyUrl,
    '--listen',
    '127.0.0.1',
    '--json',
    '--approve',
    'auto',
  ];
  if (relayOnly) hostArgs.push('--relay-only');
  const host = spawn(process.execPath, [CLI, ...hostArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const link = (await nextEvent(host.stdout!, 'link')).link as string;
    const joinArgs = ['join', link, '--json', '--mirror', mirror];
    if (relayOnly) joinArgs.push('--relay-only');
    const started = performance.now();
    const guest = spawn(process.execPath, [CLI, ...joinArgs], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const events = eventStream(guest.stdout!);
    await events.waitFor('pin');
    const pinMs = performance.now() - started;
    await events.waitFor('synced');
    const syncedMs = performance.now() - started;
    guest.kill('SIGTERM');
    return { pinMs, syncedMs };
  } finally {
    host.kill('SIGTERM');
    await rm(mirror, { recursive: true, force: true });
  }
}

function eventStream(stream: NodeJS.ReadableStream): {
  waitFor(name: string): Promise<Record<string, unknown>>;
} {
  const seen: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  stream.on('data', (data: Buffer) => {
    buffer += data.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines)
      if (line.trim()) seen.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    async waitFor(name) {
      for (;;) {
        const found = seen.find((e) => e.event === name);
        if (found) return found;
        if (seen.some((e) => e.event === 'error')) throw new Error(JSON.stringify(seen));
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

async function nextEvent(
  stream: NodeJS.ReadableStream,
  name: string,
): Promise<Record<string, unknown>> {
  return eventStream(stream).waitFor(name);
}

function format(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      folder: { type: 'string' },
      'large-mib': { type: 'string', default: '128' },
    },
  });
  const work = await mkdtemp(join(tmpdir(), 'tandem-bench-'));
  const lobby = await createLobbyServer({ host: '127.0.0.1', port: 0 });
  try {
    // A real project folder: this repository with its dependencies, unless one is given.
    let folder = values.folder;
    if (!folder) {
      folder = join(work, 'project');
      await cp(join(ROOT, 'src'), join(folder, 'src'), { recursive: true });
      await cp(join(ROOT, 'node_modules'), join(folder, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
    const tree = await countTree(folder);
    console.log(`folder: ${tree.files} files, ${(tree.bytes / 1024 / 1024).toFixed(1)} MiB`);

    const direct = await timeJoin(folder, lobby.url, false);
    const relayed = await timeJoin(folder, lobby.url, true);
    console.log(`join → pin     direct ${format(direct.pinMs)}   relay ${format(relayed.pinMs)}`);
    console.log(
      `join → synced  direct ${format(direct.syncedMs)}   relay ${format(relayed.syncedMs)}`,
    );

    const largeMiB = Number(values['large-mib']);
    const large = join(work, 'large');
    await cp(join(ROOT, 'package.json'), join(large, 'package.json'), { recursive: true });
    const chunk = randomBytes(1024 * 1024);
    await writeFile(
      join(large, 'blob.bin'),
      Buffer.concat(Array.from({ length: largeMiB }, () => chunk)),
    );
    const baseline = await timeJoin(large, lobby.url, false);
    const viaRelay = await timeJoin(large, lobby.url, true);
    const rate = (t: Timing): number => largeMiB / ((t.syncedMs - t.pinMs) / 1000);
    console.log(
      `${largeMiB} MiB file: direct ${rate(baseline).toFixed(1)} MiB/s, relay ${rate(viaRelay).toFixed(1)} MiB/s ` +
        `(relay/direct throughput ratio ${(rate(viaRelay) / rate(baseline)).toFixed(2)})`,
    );
  } finally {
    await lobby.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
