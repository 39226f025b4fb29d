import { describe, expect, it } from 'vitest';
import { fuseByVoting, iou } from './fuse';
import type { Face, Point } from './types';

const face = (box: Face['box'], score: number, keypoints: Point[] = [[box[0], box[1]]]): Face => ({ box, score, keypoints });

describe('iou', () => {
  it('is 1 for identical boxes', () => {
    expect(iou([3, 4, 10, 20], [3, 4, 10, 20])).toBe(1);
  });

  it('is 0 for disjoint or merely touching boxes', () => {
    expect(iou([0, 0, 1, 1], [5, 5, 1, 1])).toBe(0);
    expect(iou([0, 0, 1, 1], [1, 0, 1, 1])).toBe(0);
  });

  it('computes partial overlaps exactly', () => {
    // Shifted by half a width: intersection 2, union 4 + 4 - 2 = 6.
    expect(iou([0, 0, 2, 2], [1, 0, 2, 2])).toBeCloseTo(1 / 3, 15);
    // Half of one box: intersection 2, union 4.
    expect(iou([0, 0, 2, 2], [0, 0, 2, 1])).toBe(0.5);
    // Contained: 1 / 16.
    expect(iou([0, 0, 4, 4], [1, 1, 1, 1])).toBe(1 / 16);
    // Symmetric.
    expect(iou([1, 0, 2, 2], [0, 0, 2, 2])).toBeCloseTo(1 / 3, 15);
  });

  it('is 0 for empty boxes', () => {
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
  });
});

describe('fuseByVoting', () => {
  const a = face([0, 0, 10, 10], 0.9, [[0, 0], [10, 10]]);
  const b = face([1, 1, 10, 10], 0.3, [[4, 8], [14, 6]]); // iou(a, b) = 81 / 119 ≈ 0.68
  const c = face([50, 50, 10, 10], 0.5, [[50, 50], [60, 60]]);

  it('blends overlapping boxes and keypoints by score weight and keeps the best score', () => {
    const fused = fuseByVoting([b, a], { iouThreshold: 0.3 });
    expect(fused).toHaveLength(1);
    const [f] = fused;
    // Weights 0.9 / 1.2 = 0.75 and 0.3 / 1.2 = 0.25.
    [0.25, 0.25, 10, 10].forEach((v, j) => expect(f.box[j]).toBeCloseTo(v, 12));
    expect(f.score).toBe(0.9);
    expect(f.keypoints[0][0]).toBeCloseTo(1, 12);
    expect(f.keypoints[0][1]).toBeCloseTo(2, 12);
    expect(f.keypoints[1][0]).toBeCloseTo(11, 12);
    expect(f.keypoints[1][1]).toBeCloseTo(9, 12);
  });

  it('blends unequal sizes as corners do (linear in x, y, w, h)', () => {
    const fused = fuseByVoting([face([0, 0, 10, 10], 0.6), face([0, 0, 8, 8], 0.2)], { iouThreshold: 0.5 });
    expect(fused).toHaveLength(1);
    [0, 0, 9.5, 9.5].forEach((v, j) => expect(fused[0].box[j]).toBeCloseTo(v, 12));
  });

  it('leaves separate boxes separate, best first', () => {
    const fused = fuseByVoting([c, b, a], { iouThreshold: 0.3 });
    expect(fused).toHaveLength(2);
    expect(fused[0].score).toBe(0.9);
    expect(fused[1]).toEqual(c);
  });

  it('does not join a detection below the IoU threshold', () => {
    expect(fuseByVoting([a, b], { iouThreshold: 0.7 })).toHaveLength(2);
    expect(fuseByVoting([a, b], { iouThreshold: 81 / 119 })).toHaveLength(1); // ≥ joins
  });

  it('clusters around the best detection only (no chaining)', () => {
    // p–q and q–r overlap by 1/3, p–r do not; p is best so q joins p, r stays alone.
    const p = face([0, 0, 2, 2], 0.9);
    const q = face([1, 0, 2, 2], 0.8);
    const r = face([2, 0, 2, 2], 0.7);
    const fused = fuseByVoting([r, q, p], { iouThreshold: 0.3 });
    expect(fused).toHaveLength(2);
    const w = 0.9 / 1.7;
    expect(fused[0].box[0]).toBeCloseTo(1 - w, 12);
    expect(fused[1]).toEqual(r);
  });

  it('drops clusters with fewer than minVotes members', () => {
    const fused = fuseByVoting([a, b, c], { iouThreshold: 0.3, minVotes: 2 });
    expect(fused).toHaveLength(1);
    expect(fused[0].score).toBe(0.9);
    expect(fuseByVoting([a, b, c], { iouThreshold: 0.3, minVotes: 3 })).toEqual([]);
  });

  it('does not mutate its input', () => {
    const input = [b, a];
    const copy = structuredClone(input);
    fuseByVoting(input, { iouThreshold: 0.3 });
    expect(input).toEqual(copy);
  });

  it('returns [] for no faces', () => {
    expect(fuseByVoting([], { iouThreshold: 0.3 })).toEqual([]);
  });

  it('terminates on degenerate boxes (IoU with itself is 0)', () => {
    const zero = face([5, 5, 0, 0], 0.9);
    const negative = face([5, 5, -2, -3], 0.8);
    const nan = face([NaN, 0, 1, 1], 0.7);
    const fused = fuseByVoting([zero, negative, nan, a], { iouThreshold: 0.3 });
    expect(fused.map((f) => f.score)).toEqual([0.9, 0.9, 0.8, 0.7]);
    expect(fused[0]).toEqual(zero);
  });
});
