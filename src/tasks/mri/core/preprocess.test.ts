import { describe, expect, it } from 'vitest';
import { sliceGrid, toModelInput, zScore } from './preprocess';
import { modelToSource, sampleBilinear } from './grid';

describe('toModelInput', () => {
  it('z-scores to mean 0, std 1 over the crop', () => {
    const slice = Float32Array.from({ length: 100 * 80 }, (_, i) => (i % 100) + 3 * Math.floor(i / 100));
    const input = toModelInput(slice, sliceGrid(100, 80, 1.5, 1.5));
    expect(input.length).toBe(128 * 128);
    const mean = input.reduce((a, b) => a + b, 0) / input.length;
    const std = Math.sqrt(input.reduce((a, b) => a + (b - mean) ** 2, 0) / input.length);
    expect(mean).toBeCloseTo(0, 5);
    expect(std).toBeCloseTo(1, 5);
  });

  it('zero-pads a small slice around its centre, at the model spacing', () => {
    // 64×64 px of 1.5 mm, all ones → occupies model pixels 32..95; outside is padding (0 before z-scoring).
    const input = toModelInput(new Float32Array(64 * 64).fill(1), sliceGrid(64, 64, 1.5, 1.5));
    const inside = input[64 * 128 + 64];
    const outside = input[5 * 128 + 5];
    expect(inside).toBeGreaterThan(outside);
    // 1/4 of the crop is 1, the rest 0 → z-scores sqrt(3) and −1/sqrt(3).
    expect(inside).toBeCloseTo(Math.sqrt(3), 5);
    expect(outside).toBeCloseTo(-1 / Math.sqrt(3), 5);
    expect(input[32 * 128 + 32]).toBeCloseTo(Math.sqrt(3), 5);
    expect(input[31 * 128 + 31]).toBeCloseTo(-1 / Math.sqrt(3), 5);
  });

  it('resamples: a 0.75 mm slice shrinks by half', () => {
    // 256×256 px of 0.75 mm = 192 mm = exactly the model's field of view; a bright square of 64 px → 32 model px.
    const slice = new Float32Array(256 * 256);
    for (let y = 96; y < 160; y++) for (let x = 96; x < 160; x++) slice[y * 256 + x] = 1;
    const input = toModelInput(slice, sliceGrid(256, 256, 0.75, 0.75));
    const bright = Array.from(input).filter((v) => v > 0).length;
    expect(bright).toBeGreaterThanOrEqual(32 * 32);
    expect(bright).toBeLessThanOrEqual(34 * 34);
  });

  it('floors the std of a flat slice', () => {
    expect(Array.from(zScore(Float32Array.from([5, 5, 5])))).toEqual([0, 0, 0]);
  });
});

describe('toModelInput against the per-pixel definition', () => {
  it('gives exactly sampleBilinear at modelToSource for every model pixel, then the z-score (off-centre, anisotropic, partly outside)', () => {
    const g = sliceGrid(70, 50, 1.1, 0.8, { spacingMm: 1.5, cropSize: 64 }, 20.2, 35.9);
    let s = 3;
    const slice = Float32Array.from({ length: 70 * 50 }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 24);
    const raw = new Float32Array(64 * 64);
    for (let v = 0; v < 64; v++) for (let u = 0; u < 64; u++) raw[v * 64 + u] = sampleBilinear(slice, 70, 50, ...modelToSource(g, u, v), 0);
    expect(Array.from(toModelInput(slice, g))).toEqual(Array.from(zScore(raw)));
  });
});
