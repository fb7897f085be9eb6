import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import * as Y from 'yjs';
import {
  applyTextChange,
  decodeText,
  DocumentStore,
  encodeText,
  type TextFormat,
} from '../../../src/workspace/documents/index.js';
import { loadWorkspaceRules, type WorkspaceRules } from '../../../src/workspace/index.js';
import { codePointBoundaries, tempDir } from './helpers.js';

/** Set TANDEM_FC_SEED to replay a failure; fast-check prints the seed of every failing run. */
const SEED =
  process.env.TANDEM_FC_SEED === undefined ? undefined : Number(process.env.TANDEM_FC_SEED);
const RUNS = 100;

/**
 * What peers type: no '\r', as editors hand LF text to a CRLF-normalized document, and no U+FEFF,
 * which at the start of a file without a byte order mark would become one.
 */
const piece = fc.constantFrom('a', 'b', ' ', '\n', '\n', '😀', '🙈', 'e\u0301', 'é', '中');
const typed = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));

/** An edit at a cursor position: `at` and `remove` are reduced to the current text. */
const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 4 }), insert: typed });
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

const step = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('type' as const), peer: fc.nat(2), edit }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      link: fc.nat(3),
      count: fc.integer({ min: 1, max: 4 }),
      batch: fc.boolean(),
      shuffle: fc.nat(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disk' as const), edit }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('host-tool' as const), edit }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('save' as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** Applies an edit to a string at code point boundaries, as an editor would. */
function edited(text: string, { at, remove, insert }: Edit): string {
  const bounds = codePointBoundaries(text);
  const i = at % bounds.length;
  const start = bounds[i] ?? 0;
  const end = bounds[Math.min(i + remove, bounds.length - 1)] ?? start;
  return text.slice(0, start) + insert + text.slice(end);
}

/** Applies an edit to a Y.Text directly (insert and delete, like an editor binding). */
function typeInto(text: Y.Text, { at, remove, insert }: Edit): void {
  const current = text.toString();
  const bounds = codePointBoundaries(current);
  const i = at % bounds.length;
  const start = bounds[i] ?? 0;
  const end = bounds[Math.min(i + remove, bounds.length - 1)] ?? start;
  text.doc?.transact(() => {
    if (end > start) text.delete(start, end - start);
    if (insert) text.insert(start, insert);
  });
}

/** Deterministic shuffle from a number, so that a failing script replays exactly. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let x = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i -= 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Links host→guest1, host→guest2, guest1→host, guest2→host, each a queue of updates. */
interface Link {
  to: Y.Doc;
  origin: string;
  queue: Uint8Array[];
}

function deliver(link: Link, count: number, batch: boolean, seed: number): void {
  const picked = shuffled(
    link.queue.map((_, i) => i),
    seed,
  ).slice(0, count);
  const updates = picked.map((i) => link.queue[i] as Uint8Array);
  link.queue = link.queue.filter((_, i) => !picked.includes(i));
  if (batch) Y.applyUpdate(link.to, Y.mergeUpdates(updates), link.origin);
  else for (const update of updates) Y.applyUpdate(link.to, update, link.origin);
}

/** The edit a step makes: with `insertsOnly`, nothing is removed and a unique marker is added. */
function stepEdit(e: Edit, insertsOnly: boolean, markers: string[]): Edit {
  if (!insertsOnly) return e;
  // One astral code point per insert: an editor cannot split it, so it must survive whole.
  const marker = String.fromCodePoint(0x20000 + markers.length);
  markers.push(marker);
  return { at: e.at, remove: 0, insert: e.insert + marker };
}

interface Scenario {
  dir: string;
  rules: WorkspaceRules;
  name: string;
  format: TextFormat;
  initial: string;
  script: Step[];
  insertsOnly: boolean;
}

/** Runs one script; returns the final text of the host, after checking the guests agree. */
async function play(scenario: Scenario, markers: string[]): Promise<string> {
  const { dir, rules, name, format, initial, script, insertsOnly } = scenario;
  const abs = join(dir, name);
  await writeFile(abs, encodeText(initial, format));
  const store = new DocumentStore(dir, rules, {
    autosaveDebounceMs: 3_600_000,
    autosaveMaxWaitMs: 3_600_000,
  });
  try {
    const host = await store.openDocument(name);
    assert.deepEqual(host.format, format);
    const guests = [new Y.Doc(), new Y.Doc()];
    for (const guest of guests) Y.applyUpdate(guest, Y.encodeStateAsUpdate(host.doc));
    const peers = [host.doc, ...guests];
    const links: Link[] = [
      ...guests.map((to, i) => ({ to, origin: `host->${i}`, queue: [] as Uint8Array[] })),
      ...guests.map((_, i) => ({ to: host.doc, origin: `guest-${i}`, queue: [] as Uint8Array[] })),
    ];
    // The host relays every change (its own, the disk's, a guest's) to the other guests.
    host.doc.on('update', (update: Uint8Array, origin: unknown) => {
      guests.forEach((_, i) => origin !== `guest-${i}` && links[i]?.queue.push(update));
    });
    guests.forEach((guest, i) =>
      guest.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== `host->${i}`) links[2 + i]?.queue.push(update);
      }),
    );

    for (const s of script) {
      if (s.kind === 'type') {
        const e = stepEdit(s.edit, insertsOnly, markers);
        typeInto((peers[s.peer] as Y.Doc).getText('content'), e);
      } else if (s.kind === 'deliver') {
        deliver(links[s.link] as Link, s.count, s.batch, s.shuffle);
      } else if (s.kind === 'disk') {
        const decoded = decodeText(await readFile(abs));
        assert.ok(decoded);
        assert.equal(decoded.format.bom, format.bom, 'a BOM stays');
        if (decoded.text.includes('\n')) {
          assert.equal(decoded.format.eol, format.eol, 'a CRLF file stays CRLF');
        }
        const e = stepEdit(s.edit, insertsOnly, markers);
        await writeFile(abs, encodeText(edited(decoded.text, e), format));
        await store.onDiskChange(name);
      } else if (s.kind === 'host-tool') {
        const e = stepEdit(s.edit, insertsOnly, markers);
        applyTextChange(host.text, edited(host.text.toString(), e), 'host-tool');
      } else {
        await store.flushAll();
      }
    }
    for (let round = 0; links.some((l) => l.queue.length > 0); round += 1) {
      for (const link of links) deliver(link, link.queue.length, round % 2 === 0, round);
    }

    const texts = peers.map((doc) => doc.getText('content').toString());
    assert.equal(texts[1], texts[0]);
    assert.equal(texts[2], texts[0]);
    const text = texts[0] ?? '';
    assert.ok(!text.includes('\uFFFD'), 'no surrogate pair was split');
    await store.flushAll();
    assert.deepEqual(host.format, format);
    assert.deepEqual(new Uint8Array(await readFile(abs)), encodeText(text, format));
    return text;
  } finally {
    await store.close();
  }
}

const scenario = fc.record({
  bom: fc.boolean(),
  eol: fc.constantFrom<TextFormat['eol']>('lf', 'crlf'),
  initial: fc.array(typed, { maxLength: 5 }).map((lines) => `${lines.join('\n')}\nend`),
  script: fc.array(step, { maxLength: 60 }),
});

async function check(t: TestContext, insertsOnly: boolean): Promise<void> {
  const dir = await tempDir(t, 'tandem-converge-');
  const rules = await loadWorkspaceRules(dir);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(scenario, async ({ bom, eol, initial, script }) => {
      run += 1;
      const markers: string[] = [];
      const text = await play(
        { dir, rules, name: `run-${run}.txt`, format: { bom, eol }, initial, script, insertsOnly },
        markers,
      );
      for (const marker of markers) {
        assert.equal(text.split(marker).length, 2, `insert ${marker} survives exactly once`);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
}

test('host, two guests and the disk converge, and the file keeps its format', (t) =>
  check(t, false));

test('with inserts only, no edit from a peer, the host or the disk is ever lost', (t) =>
  check(t, true));
