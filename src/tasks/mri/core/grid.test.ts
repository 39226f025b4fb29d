import { describe, expect, it } from 'vitest';
import { modelToSource, sampleBilinear, sourceToModel, type SliceGrid } from './grid';

const g: SliceGrid = { nx: 256, ny: 200, dxMm: 1.25, dyMm: 1.5, spacingMm: 1.5, size: 128, cx: 128, cy: 100 };

describe('slice grid', () => {
  it('puts the model centre on the source centre', () => {
    // Model pixel centres 63.5 (continuous 64) ↔ source continuous centre (128, 100) → index (127.5, 99.5).
    expect(modelToSource(g, 63.5, 63.5)).toEqual([127.5, 99.5]);
  });
  it('steps by spacingMm / dxMm source pixels per model pixel', () => {
    const [x0, y0] = modelToSource(g, 10, 10);
    const [x1, y1] = modelToSource(g, 11, 11);
    expect(x1 - x0).toBeCloseTo(1.2, 12);
    expect(y1 - y0).toBeCloseTo(1, 12);
  });
  it('moves with the crop centre', () => {
    expect(modelToSource({ ...g, cx: 100, cy: 60 }, 63.5, 63.5)).toEqual([99.5, 59.5]);
  });
  it('round-trips', () => {
    for (const [u, v] of [[0, 0], [17.25, 99.5], [127, 127]]) {
      const [x, y] = modelToSource(g, u, v);
      const [u2, v2] = sourceToModel(g, x, y);
      expect(u2).toBeCloseTo(u, 10);
      expect(v2).toBeCloseTo(v, 10);
    }
  });
});

describe('sampleBilinear', () => {
  const plane = [0, 10, 20, 30]; // 2×2
  it('interpolates between pixel centres and clamps within half a pixel of the edge', () => {
    expect(sampleBilinear(plane, 2, 2, 0.5, 0, -1)).toBe(5);
    expect(sampleBilinear(plane, 2, 2, 0.5, 0.5, -1)).toBe(15);
    expect(sampleBilinear(plane, 2, 2, -0.4, 1, -1)).toBe(20);
  });
  it('returns the outside value beyond the edge', () => {
    expect(sampleBilinear(plane, 2, 2, -0.6, 0, -1)).toBe(-1);
    expect(sampleBilinear(plane, 2, 2, 0, 1.6, 7)).toBe(7);
  });
});
