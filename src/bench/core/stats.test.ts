import { describe, expect, it } from 'vitest';
import { abOrder, mean, median, overheadPercent, percentile, perRepRatios, ratioSpread, spread } from './stats';

describe('percentile (linear between closest ranks, NumPy default)', () => {
  const xs = [15, 20, 35, 40, 50];
  it('matches numpy.percentile on a known sample', () => {
    // numpy.percentile([15, 20, 35, 40, 50], [0, 25, 40, 50, 95, 100]) = [15, 20, 29, 35, 48, 50]
    expect(percentile(xs, 0)).toBe(15);
    expect(percentile(xs, 25)).toBe(20);
    expect(percentile(xs, 40)).toBeCloseTo(29, 12);
    expect(percentile(xs, 50)).toBe(35);
    expect(percentile(xs, 95)).toBeCloseTo(48, 12);
    expect(percentile(xs, 100)).toBe(50);
  });
  it('ignores input order and does not mutate it', () => {
    const shuffled = [40, 15, 50, 35, 20];
    expect(percentile(shuffled, 40)).toBeCloseTo(29, 12);
    expect(shuffled).toEqual([40, 15, 50, 35, 20]);
  });
  it('medians of even and odd counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it('rejects empty samples, NaN and p outside 0..100', () => {
    expect(() => median([])).toThrow(/no samples/);
    expect(() => median([1, Number.NaN])).toThrow(/non-finite/);
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
  });
});

describe('spread and ratios', () => {
  it('spread is median, min, max, n', () => {
    expect(spread([12.5, 10, 11, 30])).toEqual({ median: 11.75, min: 10, max: 30, n: 4 });
    expect(mean([1, 2, 6])).toBe(3);
  });
  it('ratios are taken per repetition, then summarised', () => {
    // Drifting machine: both sides slow down together in rep 2; the per-rep ratio stays ~0.5.
    const ours = [10, 20, 11];
    const peer = [20, 40, 21];
    expect(perRepRatios(ours, peer)).toEqual([0.5, 0.5, 11 / 21]);
    const r = ratioSpread(ours, peer);
    expect(r.median).toBe(0.5);
    expect(r.min).toBe(0.5);
    expect(r.max).toBeCloseTo(0.5238095, 6);
    // A ratio of medians would mix repetitions: 11 / 21 here, not what we report.
    expect(r.median).not.toBeCloseTo(median(ours) / median(peer), 3);
  });
  it('overhead in % per repetition', () => {
    const o = overheadPercent([12, 13, 15], [10, 10, 10]);
    expect(o.median).toBeCloseTo(30, 10);
    expect(o.min).toBeCloseTo(20, 10);
    expect(o.max).toBeCloseTo(50, 10);
  });
  it('refuses sides of different lengths and zero denominators', () => {
    expect(() => perRepRatios([1, 2], [1])).toThrow(/2 vs 1/);
    expect(() => perRepRatios([1], [0])).toThrow(/is 0/);
  });
  it('alternates the A/B order', () => {
    expect([0, 1, 2, 3].map(abOrder)).toEqual([['a', 'b'], ['b', 'a'], ['a', 'b'], ['b', 'a']]);
  });
});
