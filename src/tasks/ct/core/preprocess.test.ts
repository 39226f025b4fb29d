import { describe, expect, it } from 'vitest';
import * as imported from './preprocess';
import { normaliseHu, resizeTrilinear, sampleSliceIndices, sliceStride, toModelInput } from './preprocess';

describe('normaliseHu', () => {
  it('clips to [−1200, 600] HU and standardises with UCADI mean and std', () => {
    expect(normaliseHu(-604.23)).toBe(0);
    expect(normaliseHu(-3000)).toBeCloseTo((-1200 + 604.23) / 489.42, 12);
    expect(normaliseHu(2000)).toBeCloseTo((600 + 604.23) / 489.42, 12);
    expect(normaliseHu(0)).toBeCloseTo(1.234584, 6); // 604.23 / 489.42
  });
});

describe('slice sampling', () => {
  it('uses stride 1 up to 80 slices, 2 up to 160, else 5', () => {
    expect([40, 80, 81, 160, 161, 400].map(sliceStride)).toEqual([1, 1, 2, 2, 5, 5]);
  });
  it('centres a single sampling', () => {
    expect(sampleSliceIndices(40)).toEqual(Array.from({ length: 16 }, (_, j) => 12 + j));
    expect(sampleSliceIndices(100)).toEqual(Array.from({ length: 16 }, (_, j) => (17 + j) * 2));
  });
  it('spreads several samplings from the first to the last possible start', () => {
    expect(sampleSliceIndices(300, 0, 3)[0]).toBe(0);
    expect(sampleSliceIndices(300, 1, 3)[0]).toBe(22 * 5);
    expect(sampleSliceIndices(300, 2, 3).at(-1)).toBe(59 * 5);
  });
  it('takes every slice of a short volume', () => {
    expect(sampleSliceIndices(10, 0, 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('resizeTrilinear (align_corners=False, as PyTorch)', () => {
  it('matches torch.nn.functional.interpolate on a 2×3×4 ramp → 3×2×5', () => {
    const src = Float32Array.from({ length: 24 }, (_, i) => i);
    const expected = [1.0, 1.7, 2.5, 3.3, 4.0, 7.0, 7.7, 8.5, 9.3, 10.0, 7.0, 7.7, 8.5, 9.3, 10.0, 13.0, 13.7, 14.5, 15.3, 16.0, 13.0, 13.7, 14.5, 15.3, 16.0, 19.0, 19.7, 20.5, 21.3, 22.0];
    Array.from(resizeTrilinear(src, [2, 3, 4], [3, 2, 5])).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  });
  it('matches PyTorch on a non-linear 5×4×6 → 2×7×3', () => {
    const src = Float32Array.from({ length: 120 }, (_, i) => i ** 1.5);
    const expected = [91.0908, 103.3296, 116.522, 105.1642, 118.2742, 132.2307, 127.6815, 142.1857, 157.3647, 153.4749, 169.0802, 185.2922, 180.1146, 196.7624, 213.9662, 209.4033, 226.9758, 245.0718, 227.7087, 245.8592, 264.5128, 699.9876, 726.6827, 753.714, 728.9482, 755.9991, 783.382, 775.2853, 802.9056, 830.8509, 823.099, 851.2711, 879.762, 871.3274, 900.0466, 929.0784, 920.9816, 950.2321, 979.7896, 952.0154, 981.5981, 1011.4841];
    Array.from(resizeTrilinear(src, [5, 4, 6], [2, 7, 3])).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 2));
  });
});

describe('toModelInput', () => {
  it('gives a 16×128×128 normalised input from the sampled slices', () => {
    const dims: [number, number, number] = [64, 64, 20];
    const hu = new Float32Array(64 * 64 * 20).fill(-604.23);
    for (let i = 0; i < 64 * 64; i++) hu[10 * 64 * 64 + i] = 600; // one bright slice
    const input = toModelInput(hu, dims, [2, 10, 18]);
    expect(input.length).toBe(16 * 128 * 128);
    expect(input[0]).toBeCloseTo(0, 6);
    // The middle of 16 output slices comes from the middle input slice (the bright one).
    expect(input[8 * 128 * 128 + 64 * 128 + 64]).toBeGreaterThan(1);
  });
});

describe('huFromWindowed', () => {
  it('reads 8-bit images as lung-windowed', () => {
    const { huFromWindowed } = imported;
    expect(huFromWindowed(0)).toBe(-1350);
    expect(huFromWindowed(255)).toBe(150);
    expect(huFromWindowed(127.5)).toBe(-600);
  });
});
