/** Shared pieces for end-to-end tests: real lobby, real CLI processes, recording proxies. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { createLobbyServer, type LobbyServer } from '../../src/lobby/index.js';

/** The built CLI entry point. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** How long an end-to-end step may wait before the test fails instead of hanging. */
export const STEP_TIMEOUT_MS = 20_000;

/** A TCP proxy on 127.0.0.1 that records every byte in both directions. */
export class RecordingProxy {
  readonly #server = net.createServer((client) => this.#onConnection(client));
  readonly #sockets = new Set<net.Socket>();
  readonly chunks: Buffer[] = [];
  targetPort = 0;
  /** Delay before forwarding each chunk, to make this path slow. */
  delayMs = 0;
  /** While true, new connections are closed at once, as an unreachable server's would be. */
  refusing = false;

  async listen(): Promise<number> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return (this.#server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  /** Everything recorded so far, both directions, as one buffer. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  #onConnection(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const pipe = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (data: Buffer) => {
        this.chunks.push(Buffer.from(data));
        if (this.delayMs > 0) setTimeout(() => to.write(data), this.delayMs);
        else to.write(data);
      });
      from.on('end', () => to.end());
      from.on('close', () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  }

  /** Cuts every connection through the proxy, as a network drop or relay restart would. */
  cutAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A lobby on 127.0.0.1 reached only through a recording proxy (links point at the proxy). */
export async function startRecordedLobby(): Promise<{
  lobby: LobbyServer;
  proxy: RecordingProxy;
  close(): Promise<void>;
}> {
  const proxy = new RecordingProxy();
  const proxyPort = await proxy.listen();
  const lobby = await createLobbyServer({
    host: '127.0.0.1',
    port: 0,
    publicUrl: `http://127.0.0.1:${proxyPort}`,
  });
  proxy.targetPort = Number(new URL(lobby.url).port);
  return {
    lobby,
    proxy,
    close: async () => {
      await proxy.close();
      await lobby.close();
    },
  };
}

/** One JSON event printed by the CLI. */
export type CliEvent = { event: string } & Record<string, unknown>;

/** Every process a test file started, stopped when the file's tests are done. */
const running = new Set<CliProcess>();
// A process left running (a guest still reconnecting) would keep the test file from exiting.
after(async () => {
  await Promise.all([...running].map((cli) => cli.stop()));
});

/** A running `tandem` process with its JSON events. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly events: CliEvent[] = [];
  stderr = '';
  readonly exited: Promise<number>;
  #waiters: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' },
    });
    let pending = '';
    this.child.stdout!.on('data', (data: Buffer) => {
      pending += data.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.events.push(JSON.parse(line) as CliEvent);
        } catch {
          this.events.push({ event: 'unparsed', line });
        }
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr!.on('data', (data: Buffer) => (this.stderr += data.toString()));
    running.add(this);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        running.delete(this);
        for (const wake of this.#waiters.splice(0)) wake();
        resolve(code ?? (signal ? 128 : 1));
      }),
    );
  }

  /** Waits for the first event matching `predicate` (by name or function). */
  async waitFor(
    predicate: string | ((event: CliEvent) => boolean),
    timeoutMs = STEP_TIMEOUT_MS,
  ): Promise<CliEvent> {
    const test = typeof predicate === 'string' ? (e: CliEvent) => e.event === predicate : predicate;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(test);
      if (found) return found;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `no matching event (exit ${String(this.child.exitCode)}); events: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Writes one line to stdin. */
  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Ends the process if it still runs and waits for it. */
  async stop(): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Runs `tandem` to completion with a time limit. */
export async function runCli(
  args: string[],
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<{ code: number; stdout: string; stderr: string; events: CliEvent[] }> {
  const cli = new CliProcess(args);
  cli.child.stdin!.end();
  let stdout = '';
  cli.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  const code = await cli.exited;
  clearTimeout(timer);
  return { code, stdout, stderr: cli.stderr, events: cli.events };
}

/** Marker strings that must never appear outside TLS. */
export const SECRET_NAME = 'ZebraLaunchPlan';
export const SECRET_CONTENT = 'PLAINTEXT-MARKER-7f3a9c1e-do-not-leak';

/** A small project folder with shared files, ignored files, secrets and a symlink out. */
export async function makeProject(): Promise<{
  dir: string;
  outside: string;
  cleanup(): Promise<void>;
}> {
  const base = await mkdtemp(join(tmpdir(), 'tandem-e2e-'));
  const dir = join(base, 'project');
  const outside = join(base, 'outside');
  await mkdir(join(dir, 'src', 'nested'), { recursive: true });
  await mkdir(join(dir, '.git'), { recursive: true });
  await mkdir(join(dir, 'build'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(dir, 'README.md'), '# demo\n');
  await writeFile(join(dir, 'src', `${SECRET_NAME}.ts`), `export const x = '${SECRET_CONTENT}';\n`);
  await writeFile(join(dir, 'src', 'nested', 'util.py'), 'print("hi")\r\n');
  await writeFile(join(dir, '.gitignore'), 'build/\n*.log\n');
  await writeFile(join(dir, 'build', 'out.js'), 'built');
  await writeFile(join(dir, 'debug.log'), 'log');
  await writeFile(join(dir, '.env'), 'API_KEY=hunter2');
  await writeFile(join(dir, 'id_rsa'), 'PRIVATE');
  await writeFile(join(dir, '.git', 'config'), '[core]');
  await writeFile(join(outside, 'passwords.txt'), 'outside secret');
  await symlink(join(outside, 'passwords.txt'), join(dir, 'link-out.txt'));
  await symlink(outside, join(dir, 'dir-out'));
  await writeFile(join(dir, 'blob.bin'), Buffer.from([0, 1, 2, 3, 255, 254, 0, 0]));
  return { dir, outside, cleanup: () => rm(base, { recursive: true, force: true }) };
}

/** A fresh empty temp folder. */
export async function tempDir(
  prefix = 'tandem-e2e-',
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Polls `check` until it holds, failing the test after `timeoutMs` instead of hanging. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A recorded lobby and a sample project, shared by the tests of one `describe` block. */
export interface Stage {
  lobby: Awaited<ReturnType<typeof startRecordedLobby>>;
  project: Awaited<ReturnType<typeof makeProject>>;
}

/** Sets up a {@link Stage} before the enclosing block's tests and tears it down after. */
export function useStage(): Stage {
  const stage = {} as Stage;
  before(async () => {
    stage.lobby = await startRecordedLobby();
    stage.project = await makeProject();
  });
  after(async () => {
    await stage.lobby.close();
    await stage.project.cleanup();
  });
  return stage;
}

/** Starts `tandem host --json` on the stage's project, on loopback, and waits for its link. */
export async function startHostCli(
  stage: Stage,
  ...extra: string[]
): Promise<{ host: CliProcess; link: string }> {
  const host = new CliProcess([
    'host',
    stage.project.dir,
    '--lobby',
    stage.lobby.proxy.url,
    '--listen',
    '127.0.0.1',
    '--json',
    ...extra,
  ]);
  const { link } = (await host.waitFor('link')) as unknown as { link: string };
  return { host, link };
}
