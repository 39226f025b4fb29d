import { describe, expect, it } from 'vitest';
import { autoWindow, renderSliceRgba } from './display';

describe('autoWindow', () => {
  it('spans the 1st to 99th percentile', () => {
    const values = Float32Array.from({ length: 10001 }, (_, i) => i);
    expect(autoWindow(values)).toEqual({ level: 5000, window: 9800 });
  });
});

describe('renderSliceRgba', () => {
  const values = [0, 50, 100, 150, 200, 250, 300, 350, 400];
  it('maps the window to 0–255 grey', () => {
    const rgba = renderSliceRgba(values, undefined, 3, 3, { level: 200, window: 400, opacity: 0.5, mode: 'filled', visible: [false, true, true, true] });
    expect(Array.from(rgba.subarray(0, 4))).toEqual([0, 0, 0, 255]);
    expect(rgba[4 * 4]).toBe(128); // 200 → 127.5, rounded by the clamped array
    expect(rgba[8 * 4]).toBe(255);
  });
  it('blends filled labels with their colour and hides invisible classes', () => {
    const labels = [0, 0, 0, 0, 3, 0, 0, 0, 1];
    const rgba = renderSliceRgba(values, labels, 3, 3, { level: 200, window: 400, opacity: 0.5, mode: 'filled', visible: [false, false, true, true] });
    // Centre: grey 127.5 halfway to LV blue (30, 136, 229).
    expect(Array.from(rgba.subarray(16, 19))).toEqual([79, 132, 178]);
    // Bottom-right RV is hidden: plain grey.
    expect(rgba[32]).toBe(255);
    expect(rgba[33]).toBe(255);
  });
  it('contour mode paints only boundary pixels, opaque', () => {
    const labels = Array(25).fill(3);
    const rgba = renderSliceRgba(Array(25).fill(200), labels, 5, 5, { level: 200, window: 400, opacity: 0.3, mode: 'contour', visible: [false, true, true, true] });
    expect(Array.from(rgba.subarray(0, 3))).toEqual([30, 136, 229]); // corner: on the edge
    expect(Array.from(rgba.subarray(12 * 4, 12 * 4 + 3))).toEqual([128, 128, 128]); // centre: interior
  });
});
