// Summary statistics for benchmark samples. Pure: no DOM, no timers.

/** Median with its range over repetitions; `n` samples. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

function checked(values: readonly number[], what: string): number[] {
  if (values.length === 0) throw new RangeError(`${what}: no samples`);
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`${what}: non-finite sample ${v}`);
  return [...values].sort((a, b) => a - b);
}

/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks (NumPy's default, "type 7"):
 * rank = p/100 · (n − 1).
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p = ${p} is outside 0..100`);
  const sorted = checked(values, 'percentile');
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  return checked(values, 'mean').reduce((a, b) => a + b, 0) / values.length;
}

export function spread(values: readonly number[]): Spread {
  const sorted = checked(values, 'spread');
  return { median: median(sorted), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** a[i] / b[i] for each repetition i: the two sides must have been measured in the same repetitions. */
export function perRepRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError(`perRepRatios: ${a.length} vs ${b.length} repetitions`);
  checked(a, 'perRepRatios (a)');
  checked(b, 'perRepRatios (b)');
  return a.map((x, i) => {
    if (b[i] === 0) throw new RangeError(`perRepRatios: b[${i}] is 0`);
    return x / b[i];
  });
}

/** The ratio a/b with its spread over repetitions: the median of the per-repetition ratios, never a ratio of medians. */
export function ratioSpread(a: readonly number[], b: readonly number[]): Spread {
  return spread(perRepRatios(a, b));
}

/** How much slower `ours` is than `bare`, in %, per repetition: (ours / bare − 1) · 100. */
export function overheadPercent(ours: readonly number[], bare: readonly number[]): Spread {
  return spread(perRepRatios(ours, bare).map((r) => (r - 1) * 100));
}

/**
 * A/B order for repetition `rep`: AB, BA, AB, … so that neither side always runs first (warm caches, thermal
 * state and background load then favour neither).
 */
export function abOrder(rep: number): ['a', 'b'] | ['b', 'a'] {
  return rep % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
}
