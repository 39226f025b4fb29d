import type { Face, Point } from './types';

export const KEYPOINT_COUNT = 6;
export const VALUES_PER_ANCHOR = 4 + 2 * KEYPOINT_COUNT;
export const SCORE_CLIP = 100;

export function sigmoid(logit: number): number {
  const clipped = Math.max(-SCORE_CLIP, Math.min(SCORE_CLIP, logit));
  return 1 / (1 + Math.exp(-clipped));
}

/**
 * Decodes BlazeFace raw outputs into faces in normalised model-input coordinates ([0, 1] of the square input).
 * `logits` holds one score logit per anchor, `regressors` 16 values per anchor: box centre offset (x, y) and
 * size (w, h), then 6 keypoint offsets, all in input pixels relative to the anchor centre.
 */
export function decodeFaces(
  logits: Float32Array,
  regressors: Float32Array,
  anchors: Float32Array,
  inputSize: number,
  scoreThreshold: number,
): Face[] {
  const count = anchors.length / 2;
  if (logits.length !== count || regressors.length !== count * VALUES_PER_ANCHOR) {
    throw new RangeError(`expected ${count} scores and ${count * VALUES_PER_ANCHOR} regressors, got ${logits.length} and ${regressors.length}`);
  }
  const faces: Face[] = [];
  for (let i = 0; i < count; i++) {
    const score = sigmoid(logits[i]);
    if (!(score >= scoreThreshold)) continue; // also drops NaN
    const ax = anchors[2 * i];
    const ay = anchors[2 * i + 1];
    const r = i * VALUES_PER_ANCHOR;
    const cx = ax + regressors[r] / inputSize;
    const cy = ay + regressors[r + 1] / inputSize;
    const w = regressors[r + 2] / inputSize;
    const h = regressors[r + 3] / inputSize;
    const keypoints: Point[] = [];
    for (let k = 0; k < KEYPOINT_COUNT; k++) {
      keypoints.push([ax + regressors[r + 4 + 2 * k] / inputSize, ay + regressors[r + 5 + 2 * k] / inputSize]);
    }
    faces.push({ box: [cx - w / 2, cy - h / 2, w, h], score, keypoints });
  }
  return faces;
}
