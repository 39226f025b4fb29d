// Token timelines of a generation, as the page sees them (pure): time to first token, decode speed, and whether two
// generations produced the same tokens. Both chat sides are timed on the same (main-thread) clock from the moment
// the page asks for an answer; each side reports tokens as it produces them, with the running count.

/** One report from a generating worker: `count` tokens generated so far, seen by the page at `t` (ms). */
export interface TokenMark {
  count: number;
  t: number;
}

export interface TokenTiming {
  /** Tokens generated (the last mark's count). */
  tokens: number;
  /** From the request to the first mark with a token: prefill plus the first step, plus the hop back. */
  ttftMs: number;
  /** Tokens after the first ÷ the time from the first to the last token; NaN with fewer than 2 tokens. */
  decodeTokensPerSecond: number;
  /** From the request to the last mark, ms. */
  totalMs: number;
}

/**
 * Timing of one generation from its marks (in arrival order) and the request time `start`. Marks may skip counts
 * (a side that reports only when text becomes showable); counts must not decrease. Marks with count 0 (a final
 * flush before any token) are ignored.
 */
export function tokenTiming(start: number, marks: readonly TokenMark[]): TokenTiming {
  const withTokens = marks.filter((m) => m.count > 0);
  if (withTokens.length === 0) throw new RangeError('tokenTiming: no token was reported');
  for (let i = 1; i < withTokens.length; i++) {
    if (withTokens[i].count < withTokens[i - 1].count) throw new RangeError(`tokenTiming: count went back from ${withTokens[i - 1].count} to ${withTokens[i].count}`);
    if (withTokens[i].t < withTokens[i - 1].t) throw new RangeError('tokenTiming: marks are not in time order');
  }
  const first = withTokens[0];
  const last = withTokens[withTokens.length - 1];
  // The first mark may already carry several tokens (the side held text back): time per token is then counted
  // from the first mark's count, so held-back tokens are not credited to the decode phase.
  const decoded = last.count - first.count;
  const decodeMs = last.t - first.t;
  return {
    tokens: last.count,
    ttftMs: first.t - start,
    decodeTokensPerSecond: decoded > 0 && decodeMs > 0 ? (decoded * 1000) / decodeMs : NaN,
    totalMs: last.t - start,
  };
}

export interface TokenAgreement {
  identical: boolean;
  /** Tokens both sides generated at the same positions before the first difference (the shorter length when one is a prefix). */
  common: number;
  lengthA: number;
  lengthB: number;
  /** Index of the first differing token; undefined when one sequence is a prefix of the other (or they are equal). */
  firstDifference?: number;
}

/** Compares two generated token sequences (ids as numbers or bigints). */
export function compareTokens(a: readonly (number | bigint)[], b: readonly (number | bigint)[]): TokenAgreement {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && BigInt(a[i]) === BigInt(b[i])) i++;
  return { identical: i === a.length && a.length === b.length, common: i, lengthA: a.length, lengthB: b.length, firstDifference: i < n ? i : undefined };
}

/** "identical (12 tokens)", "differ at token 3 of 12/12", "B stops after 5 of A's 12 tokens (same up to there)". */
export function describeAgreement(g: TokenAgreement, a = 'A', b = 'B'): string {
  if (g.identical) return `identical (${g.lengthA} token${g.lengthA === 1 ? '' : 's'})`;
  if (g.firstDifference !== undefined) return `differ from token ${g.firstDifference + 1} on (${a}: ${g.lengthA} tokens, ${b}: ${g.lengthB})`;
  return g.lengthA < g.lengthB ? `${a} stops after ${g.lengthA} of ${b}'s ${g.lengthB} tokens (same up to there)` : `${b} stops after ${g.lengthB} of ${a}'s ${g.lengthA} tokens (same up to there)`;
}

/**
 * One line for the agreements of several repetitions: "identical in 3 of 3 repetitions; first: identical (48 tokens)",
 * "NOT identical in 1 of 3 repetitions; first: differ from token 5 on (…)". `first` is the first repetition that
 * differs, or the first repetition when all agree.
 */
export function describeAgreements(list: readonly TokenAgreement[], a = 'A', b = 'B'): string {
  if (list.length === 0) throw new RangeError('describeAgreements: no repetitions');
  const same = list.filter((g) => g.identical).length;
  const first = list.find((g) => !g.identical) ?? list[0];
  return `${same === list.length ? 'identical' : 'NOT identical'} in ${same} of ${list.length} repetition${list.length === 1 ? '' : 's'}; ${same === list.length ? 'first' : 'first difference'}: ${describeAgreement(first, a, b)}`;
}

/** One entry of `performance.measureUserAgentSpecificMemory()`'s breakdown. */
export interface MemoryBreakdownEntry {
  bytes: number;
  attribution: { url?: string; scope?: string }[];
  types?: string[];
}

/** Bytes the breakdown attributes to a worker whose script URL contains `urlPart` (0 when none matches). */
export function workerBytes(breakdown: readonly MemoryBreakdownEntry[], urlPart: string): number {
  let bytes = 0;
  for (const e of breakdown) if (e.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope' && (a.url ?? '').includes(urlPart))) bytes += e.bytes;
  return bytes;
}
