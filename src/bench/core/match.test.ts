import { describe, expect, it } from 'vitest';
import { agreement, boxFromNormalizedRect, iou, matchBoxes, type Box } from './match';

describe('iou', () => {
  it('of identical, disjoint and half-overlapping boxes', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 5, 5])).toBe(0);
    // 10×10 boxes shifted by 5 px: intersection 50, union 150.
    expect(iou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(1 / 3, 12);
    // Touching edges only.
    expect(iou([0, 0, 10, 10], [10, 0, 10, 10])).toBe(0);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
  });
});

describe('matchBoxes (greedy, one-to-one, best IoU first)', () => {
  it('takes the best pair first, not the first-listed one', () => {
    const a: Box[] = [[0, 0, 10, 10]];
    const b: Box[] = [[1, 0, 10, 10], [0, 0, 10, 10]];
    const { matches, unmatchedA, unmatchedB } = matchBoxes(a, b);
    expect(matches).toEqual([{ a: 0, b: 1, iou: 1 }]);
    expect(unmatchedA).toEqual([]);
    expect(unmatchedB).toEqual([0]);
  });
  it('never matches one box twice and drops pairs below the threshold', () => {
    const a: Box[] = [[0, 0, 10, 10], [100, 100, 10, 10], [300, 300, 10, 10]];
    const b: Box[] = [[0, 0, 10, 10], [104, 100, 10, 10]];
    // IoU of the second pair: 6×10 / (200 − 60) = 60/140 = 0.4286 < 0.5.
    const strict = matchBoxes(a, b, 0.5);
    expect(strict.matches.map((m) => [m.a, m.b])).toEqual([[0, 0]]);
    expect(strict.unmatchedA).toEqual([1, 2]);
    const loose = matchBoxes(a, b, 0.4);
    expect(loose.matches.map((m) => [m.a, m.b])).toEqual([[0, 0], [1, 1]]);
    expect(loose.matches[1].iou).toBeCloseTo(60 / 140, 12);
  });
});

describe('agreement over frames', () => {
  it('averages IoU over matched faces of all frames', () => {
    const ours: Box[][] = [[[0, 0, 10, 10]], [[0, 0, 10, 10]], []];
    const peer: Box[][] = [[[0, 0, 10, 10]], [[1, 0, 10, 10]], [[50, 50, 5, 5]]];
    const g = agreement(ours, peer);
    // Frame 2: shift 1 → 90 / 110.
    expect(g).toMatchObject({ frames: 3, facesA: 2, facesB: 3, matched: 2 });
    expect(g.meanIou).toBeCloseTo((1 + 90 / 110) / 2, 12);
    expect(g.minIou).toBeCloseTo(90 / 110, 12);
  });
  it('is NaN when nothing matched', () => {
    expect(agreement([[]], [[]]).meanIou).toBeNaN();
    expect(() => agreement([[]], [])).toThrow(/1 vs 0 frames/);
  });
});

describe('boxFromNormalizedRect', () => {
  it('converts MediaPipe’s centre/size fractions to pixels', () => {
    // The fake-webcam face: [246.875, 73.125, 90, 90] in a 640×480 frame.
    const r = { xCenter: (246.875 + 45) / 640, yCenter: (73.125 + 45) / 480, width: 90 / 640, height: 90 / 480 };
    const b = boxFromNormalizedRect(r, 640, 480);
    [246.875, 73.125, 90, 90].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 9));
  });
});
