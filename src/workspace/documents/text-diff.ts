import fastDiff from 'fast-diff';

/**
 * One step of a text diff, as fast-diff makes them: `[-1, s]` deletes `s`, `[1, s]` inserts `s`,
 * `[0, s]` keeps `s`. Positions are in UTF-16 code units, like `Y.Text` indexes.
 */
export type TextDiff = fastDiff.Diff;

/**
 * Work a single diff may do, counted as the square of the sizes handed to fast-diff (code units
 * for a character diff, lines for a line diff), which is its worst case: fast-diff has no
 * deadline, so unrelated texts would cost it time quadratic in their size. Threat: an outside
 * rewrite of a large file (a formatter, a generated file, a hostile local process) stalling the
 * host's event loop for seconds or minutes. Past the budget, a changed block is replaced whole:
 * still correct, but cursors inside it move to its edges. The default keeps the worst case under
 * about 100 ms (measured: unrelated 4,500-character blocks take ~65 ms on a CI machine).
 */
export const MAX_DIFF_COST = 5_000_000;

/** Options for {@link diffText}. */
export interface DiffTextOptions {
  /** Defaults to {@link MAX_DIFF_COST}. */
  maxCost?: number;
}

const DELETE = -1;
const EQUAL = 0;
const INSERT = 1;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Whether some step starts or ends inside a surrogate pair. Applying such a diff to a `Y.Text`
 * would make Yjs replace the halves with U+FFFD (yjs/yjs#248), turning an emoji into garbage.
 */
function splitsSurrogatePair(diffs: readonly TextDiff[]): boolean {
  return diffs.some(
    ([, s]) =>
      s.length > 0 &&
      (isLowSurrogate(s.charCodeAt(0)) || isHighSurrogate(s.charCodeAt(s.length - 1))),
  );
}

function replaceWhole(a: string, b: string): TextDiff[] {
  const diffs: TextDiff[] = [];
  if (a) diffs.push([DELETE, a]);
  if (b) diffs.push([INSERT, b]);
  return diffs;
}

/** What is left of {@link MAX_DIFF_COST} for one diff. */
interface Budget {
  left: number;
}

/** Takes the cost of diffing `size` items from the budget, if it is enough. */
function afford(budget: Budget, size: number): boolean {
  const cost = size * size;
  if (cost > budget.left) return false;
  budget.left -= cost;
  return true;
}

/** Character diff of two strings that start and end on code point boundaries. */
function charDiff(a: string, b: string): TextDiff[] {
  const diffs = fastDiff(a, b).filter(([, s]) => s.length > 0);
  return splitsSurrogatePair(diffs) ? replaceWhole(a, b) : diffs;
}

/** Diffs two changed blocks by characters if affordable, else replaces the old by the new. */
function refine(a: string, b: string, budget: Budget): TextDiff[] {
  if (!a || !b || !afford(budget, a.length + b.length)) return replaceWhole(a, b);
  return charDiff(a, b);
}

/** Code unit standing for the `i`-th distinct line, skipping the surrogate range. */
function lineCode(i: number): string {
  const code = i + 1;
  return String.fromCharCode(code < 0xd800 ? code : code + 0x800);
}

/** The inverse of {@link lineCode}. */
function lineIndex(code: number): number {
  return (code < 0xd800 ? code : code - 0x800) - 1;
}

/** Most distinct lines {@link lineCode} can name. */
const MAX_LINE_CODES = 0xffff - 0x800;

function splitLines(s: string): string[] {
  return s ? s.split(/(?<=\n)/) : [];
}

/**
 * Diffs two blocks of whole lines: by characters when affordable, else line by line (each
 * distinct line becomes one code unit, as in diff-match-patch's line mode) with each changed run
 * refined by characters, else replaced whole.
 */
function blockDiff(linesA: string[], linesB: string[], budget: Budget, out: TextDiff[]): void {
  const a = linesA.join('');
  const b = linesB.join('');
  if (!a || !b || afford(budget, a.length + b.length)) {
    out.push(...(a && b ? charDiff(a, b) : replaceWhole(a, b)));
    return;
  }
  if (
    linesA.length + linesB.length > MAX_LINE_CODES ||
    !afford(budget, linesA.length + linesB.length)
  ) {
    out.push(...replaceWhole(a, b));
    return;
  }
  const codes = new Map<string, string>();
  const lines: string[] = [];
  const encode = (list: string[]): string => {
    let encoded = '';
    for (const line of list) {
      let code = codes.get(line);
      if (code === undefined) {
        code = lineCode(lines.length);
        codes.set(line, code);
        lines.push(line);
      }
      encoded += code;
    }
    return encoded;
  };
  const decode = (encoded: string): string => {
    let text = '';
    for (let i = 0; i < encoded.length; i += 1)
      text += lines[lineIndex(encoded.charCodeAt(i))] ?? '';
    return text;
  };
  let deleted = '';
  let inserted = '';
  const flush = (): void => {
    for (const step of refine(deleted, inserted, budget)) out.push(step);
    deleted = inserted = '';
  };
  for (const [op, encoded] of fastDiff(encode(linesA), encode(linesB))) {
    const text = decode(encoded);
    if (op === DELETE) deleted += text;
    else if (op === INSERT) inserted += text;
    else {
      flush();
      if (text) out.push([EQUAL, text]);
    }
  }
  flush();
}

/**
 * Lines that occur exactly once in each text, paired up in order (the longest run that is
 * increasing in both, as patience diff picks its anchors). They cut a large diff into small
 * independent blocks.
 */
function uniqueAnchors(linesA: string[], linesB: string[]): Array<[number, number]> {
  const seen = new Map<string, { inA: number; inB: number; atA: number; atB: number }>();
  linesA.forEach((line, i) => {
    const entry = seen.get(line);
    if (entry) entry.inA += 1;
    else seen.set(line, { inA: 1, inB: 0, atA: i, atB: -1 });
  });
  linesB.forEach((line, j) => {
    const entry = seen.get(line);
    if (entry) {
      entry.inB += 1;
      entry.atB = j;
    }
  });
  const pairs: Array<[number, number]> = [];
  for (const { inA, inB, atA, atB } of seen.values()) {
    if (inA === 1 && inB === 1) pairs.push([atA, atB]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  // Longest increasing subsequence of the B positions, by patience sorting.
  const tails: number[] = [];
  const previous = new Int32Array(pairs.length).fill(-1);
  for (let p = 0; p < pairs.length; p += 1) {
    const atB = pairs[p]![1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < atB) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[p] = tails[lo - 1]!;
    tails[lo] = p;
  }
  const anchors: Array<[number, number]> = [];
  for (let p = tails.at(-1) ?? -1; p !== -1; p = previous[p]!) anchors.push(pairs[p]!);
  return anchors.reverse();
}

/** Diffs two texts too large to diff by characters, block by block between anchor lines. */
function lineDiff(a: string, b: string, budget: Budget): TextDiff[] {
  const linesA = splitLines(a);
  const linesB = splitLines(b);
  const out: TextDiff[] = [];
  let i = 0;
  let j = 0;
  const block = (endA: number, endB: number): void => {
    // Lines equal at both ends of a block (repeated lines are no anchors) are kept, not diffed.
    let head = 0;
    while (i + head < endA && j + head < endB && linesA[i + head] === linesB[j + head]) head += 1;
    let tail = 0;
    while (
      tail < endA - i - head &&
      tail < endB - j - head &&
      linesA[endA - 1 - tail] === linesB[endB - 1 - tail]
    ) {
      tail += 1;
    }
    if (head > 0) out.push([EQUAL, linesA.slice(i, i + head).join('')]);
    const midA = linesA.slice(i + head, endA - tail);
    const midB = linesB.slice(j + head, endB - tail);
    if (midA.length > 0 || midB.length > 0) blockDiff(midA, midB, budget, out);
    if (tail > 0) out.push([EQUAL, linesA.slice(endA - tail, endA).join('')]);
  };
  for (const [atA, atB] of uniqueAnchors(linesA, linesB)) {
    block(atA, atB);
    out.push([EQUAL, linesA[atA]!]);
    i = atA + 1;
    j = atB + 1;
  }
  block(linesA.length, linesB.length);
  return out;
}

/**
 * The steps that turn `prev` into `next`, small and never splitting a surrogate pair. The common
 * prefix and suffix are kept whole; the middle is diffed by characters when small, else cut into
 * blocks at lines that occur once in each text and diffed block by block, by lines and then by
 * characters, within {@link MAX_DIFF_COST}.
 *
 * @example
 * diffText('hello world', 'hello, world'); // [[0, 'hello'], [1, ','], [0, ' world']]
 */
export function diffText(prev: string, next: string, options: DiffTextOptions = {}): TextDiff[] {
  const budget: Budget = { left: options.maxCost ?? MAX_DIFF_COST };
  if (prev === next) return prev ? [[EQUAL, prev]] : [];

  const shorter = Math.min(prev.length, next.length);
  let prefix = 0;
  while (prefix < shorter && prev.charCodeAt(prefix) === next.charCodeAt(prefix)) prefix += 1;
  // The texts differ right after this unit, so a high surrogate here has a different partner.
  if (prefix > 0 && isHighSurrogate(prev.charCodeAt(prefix - 1))) prefix -= 1;
  let suffix = 0;
  while (
    suffix < shorter - prefix &&
    prev.charCodeAt(prev.length - 1 - suffix) === next.charCodeAt(next.length - 1 - suffix)
  ) {
    suffix += 1;
  }
  if (suffix > 0 && isLowSurrogate(prev.charCodeAt(prev.length - suffix))) suffix -= 1;

  const a = prev.slice(prefix, prev.length - suffix);
  const b = next.slice(prefix, next.length - suffix);
  let middle: TextDiff[];
  if (!a || !b) middle = replaceWhole(a, b);
  else if (afford(budget, a.length + b.length)) middle = charDiff(a, b);
  else middle = lineDiff(a, b, budget);
  const diffs: TextDiff[] = [];
  if (prefix > 0) diffs.push([EQUAL, prev.slice(0, prefix)]);
  for (const step of middle) diffs.push(step);
  if (suffix > 0) diffs.push([EQUAL, prev.slice(prev.length - suffix)]);
  return diffs;
}
