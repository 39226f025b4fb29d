import { describe, expect, it } from 'vitest';
import { SHORT_RANGE_ANCHORS, generateAnchors } from './anchors';
import { KEYPOINT_COUNT, SCORE_CLIP, VALUES_PER_ANCHOR, decodeFaces, sigmoid } from './decode';

describe('sigmoid', () => {
  it('computes the logistic function', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(0.8807970779778823, 15);
    expect(sigmoid(-2)).toBeCloseTo(0.11920292202211755, 15);
  });

  it('clips logits to ±100', () => {
    expect(SCORE_CLIP).toBe(100);
    expect(sigmoid(1e6)).toBe(sigmoid(100));
    expect(sigmoid(-1e6)).toBe(sigmoid(-100));
    expect(sigmoid(-Infinity)).toBe(1 / (1 + Math.exp(100)));
    expect(sigmoid(-1e6)).toBeGreaterThan(0); // not underflowed to 0
    expect(sigmoid(-100)).not.toBe(sigmoid(-99));
  });
});

describe('decodeFaces', () => {
  const anchors = generateAnchors(SHORT_RANGE_ANCHORS);
  const n = anchors.length / 2;
  const size = 128;
  // Anchor 234 = cell (x 5, y 7) of the 16×16 grid: centre (5.5/16, 7.5/16) = (0.34375, 0.46875) = (44, 60) px.
  const index = 234;

  function raw(logit: number) {
    const logits = new Float32Array(n).fill(-10);
    const regressors = new Float32Array(n * VALUES_PER_ANCHOR);
    logits[index] = logit;
    // Centre offset (+8, -4) px, size 32×16 px, keypoint k at offset (2k - 6, k - 2) px.
    regressors.set([8, -4, 32, 16], index * VALUES_PER_ANCHOR);
    for (let k = 0; k < KEYPOINT_COUNT; k++) regressors.set([2 * k - 6, k - 2], index * VALUES_PER_ANCHOR + 4 + 2 * k);
    return { logits, regressors };
  }

  it('has 16 values per anchor', () => {
    expect(VALUES_PER_ANCHOR).toBe(16);
    expect(anchors[2 * index]).toBe(0.34375);
    expect(anchors[2 * index + 1]).toBe(0.46875);
  });

  it('decodes one strong anchor into the exact box and keypoints', () => {
    const { logits, regressors } = raw(2);
    const faces = decodeFaces(logits, regressors, anchors, size, 0.5);
    expect(faces).toHaveLength(1);
    const [face] = faces;
    expect(face.score).toBeCloseTo(sigmoid(2), 12);
    // Centre (44 + 8, 60 - 4) = (52, 56) px, size 32×16 → top-left (36, 48).
    const expected = [36 / 128, 48 / 128, 32 / 128, 16 / 128]; // [0.28125, 0.375, 0.25, 0.125]
    face.box.forEach((v, j) => expect(v).toBeCloseTo(expected[j], 12));
    expect(face.keypoints).toHaveLength(6);
    face.keypoints.forEach(([x, y], k) => {
      expect(x).toBeCloseTo((44 + 2 * k - 6) / 128, 12);
      expect(y).toBeCloseTo((60 + k - 2) / 128, 12);
    });
    // Spot check by hand: keypoint 0 at (38, 58) px, keypoint 5 at (48, 63) px.
    expect(face.keypoints[0][0]).toBeCloseTo(0.296875, 12);
    expect(face.keypoints[0][1]).toBeCloseTo(0.453125, 12);
    expect(face.keypoints[5][0]).toBeCloseTo(0.375, 12);
    expect(face.keypoints[5][1]).toBeCloseTo(0.4921875, 12);
  });

  it('scales regressors by the input size', () => {
    const { logits, regressors } = raw(2);
    // Same anchor positions read as a 256 model: offsets halve in normalised units.
    const [face] = decodeFaces(logits, regressors, anchors, 256, 0.5);
    expect(face.box[0]).toBeCloseTo(0.34375 + 8 / 256 - 16 / 256, 12);
    expect(face.box[2]).toBeCloseTo(0.125, 12);
  });

  it('filters by score threshold, keeping a score equal to it', () => {
    const { logits, regressors } = raw(2);
    expect(decodeFaces(logits, regressors, anchors, size, 0.9)).toEqual([]);
    expect(decodeFaces(logits, regressors, anchors, size, sigmoid(2))).toHaveLength(1);
    logits[index] = 0;
    expect(decodeFaces(logits, regressors, anchors, size, 0.5)).toHaveLength(1);
    // A low threshold lets every anchor through (sigmoid(-10) ≈ 4.5e-5).
    expect(decodeFaces(logits, regressors, anchors, size, 1e-5)).toHaveLength(896);
  });

  it('returns faces in anchor order', () => {
    const { logits, regressors } = raw(1);
    logits[3] = 3;
    logits[800] = 0.5;
    const faces = decodeFaces(logits, regressors, anchors, size, 0.5);
    expect(faces.map((f) => f.score)).toEqual([sigmoid(3), sigmoid(1), sigmoid(0.5)].map((s) => expect.closeTo(s, 6)));
  });

  it('throws RangeError on mismatched lengths', () => {
    const { logits, regressors } = raw(2);
    expect(() => decodeFaces(logits.subarray(1), regressors, anchors, size, 0.5)).toThrow(RangeError);
    expect(() => decodeFaces(logits, regressors.subarray(16), anchors, size, 0.5)).toThrow(RangeError);
    expect(() => decodeFaces(logits, regressors, anchors.subarray(2), size, 0.5)).toThrow(/expected 895 scores and 14320 regressors, got 896 and 14336/);
  });
});
