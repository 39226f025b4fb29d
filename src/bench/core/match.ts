// Agreement of two detectors' boxes: one-to-one greedy matching by IoU. Pure.

/** [x, y, w, h] in pixels, top-left corner and size. */
export type Box = [number, number, number, number];

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

export interface Match {
  /** Index into `a`. */
  a: number;
  /** Index into `b`. */
  b: number;
  iou: number;
}

/**
 * Pairs boxes of `a` with boxes of `b`, highest IoU first, each box used at most once, pairs below `minIou`
 * left unmatched. Ties keep the lower indices first, so the result does not depend on sort stability.
 */
export function matchBoxes(a: readonly Box[], b: readonly Box[], minIou = 0.5): { matches: Match[]; unmatchedA: number[]; unmatchedB: number[] } {
  const candidates: Match[] = [];
  a.forEach((boxA, i) => b.forEach((boxB, j) => {
    const v = iou(boxA, boxB);
    if (v >= minIou && v > 0) candidates.push({ a: i, b: j, iou: v });
  }));
  candidates.sort((x, y) => y.iou - x.iou || x.a - y.a || x.b - y.b);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const matches: Match[] = [];
  for (const c of candidates) {
    if (usedA.has(c.a) || usedB.has(c.b)) continue;
    usedA.add(c.a);
    usedB.add(c.b);
    matches.push(c);
  }
  return {
    matches,
    unmatchedA: a.map((_, i) => i).filter((i) => !usedA.has(i)),
    unmatchedB: b.map((_, j) => j).filter((j) => !usedB.has(j)),
  };
}

/** Agreement over many frames: mean IoU of matched faces, and how many faces each side found and left unmatched. */
export interface Agreement {
  frames: number;
  facesA: number;
  facesB: number;
  matched: number;
  /** Mean IoU over all matched pairs of all frames; NaN when nothing matched. */
  meanIou: number;
  minIou: number;
}

export function agreement(framesA: readonly Box[][], framesB: readonly Box[][], minIou = 0.5): Agreement {
  if (framesA.length !== framesB.length) throw new RangeError(`agreement: ${framesA.length} vs ${framesB.length} frames`);
  let facesA = 0;
  let facesB = 0;
  const ious: number[] = [];
  framesA.forEach((boxesA, f) => {
    facesA += boxesA.length;
    facesB += framesB[f].length;
    for (const m of matchBoxes(boxesA, framesB[f], minIou).matches) ious.push(m.iou);
  });
  return {
    frames: framesA.length,
    facesA,
    facesB,
    matched: ious.length,
    meanIou: ious.length ? ious.reduce((s, v) => s + v, 0) / ious.length : Number.NaN,
    minIou: ious.length ? Math.min(...ious) : Number.NaN,
  };
}

/** MediaPipe's normalised rectangle (centre and size as fractions of the image) → a pixel box. */
export function boxFromNormalizedRect(r: { xCenter: number; yCenter: number; width: number; height: number }, imageWidth: number, imageHeight: number): Box {
  const w = r.width * imageWidth;
  const h = r.height * imageHeight;
  return [r.xCenter * imageWidth - w / 2, r.yCenter * imageHeight - h / 2, w, h];
}
