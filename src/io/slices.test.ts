import { describe, expect, it } from 'vitest';
import { LoupeError } from '../errors';
import type { RgbaImage } from './image';
import { naturalCompare, volumeFromImages } from './slices';

/** A w×h RGBA image filled with one colour. */
function solid(w: number, h: number, [r, g, b]: [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([r, g, b, 255], i * 4);
  return { data, width: w, height: h };
}

describe('volumeFromImages', () => {
  it('stacks slices in natural name order (slice2 before slice10)', () => {
    const names = ['slice10.png', 'slice2.png', 'slice1.png', 'Slice3.png'];
    const v = volumeFromImages(names.map((name) => ({ name, image: solid(2, 1, [Number(name.match(/\d+/)![0]), 0, 0]) })));
    expect(v.dims).toEqual([2, 1, 4, 1]);
    // Red only: grey = 0.299 · R, slices 1, 2, 3, 10.
    expect(Array.from(v.data)).toEqual([1, 1, 2, 2, 3, 3, 10, 10].map((r) => Math.fround(0.299 * r)));
  });

  it('converts RGB to luminance 0.299 R + 0.587 G + 0.114 B, keeping row-major x-fastest order', () => {
    const image: RgbaImage = {
      width: 2,
      height: 2,
      data: Uint8Array.from([255, 255, 255, 255, 255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 128]),
    };
    const v = volumeFromImages([{ name: 'a.png', image }]);
    expect(v.dims).toEqual([2, 2, 1, 1]);
    expect(v.data[0]).toBeCloseTo(255, 4);
    expect(v.data[1]).toBeCloseTo(76.245, 4);
    expect(v.data[2]).toBeCloseTo(149.685, 4);
    expect(v.data[3]).toBeCloseTo(29.07, 4); // alpha ignored
  });

  it('defaults to 1 mm spacing with an identity affine and says spacing is unknown', () => {
    const v = volumeFromImages([{ name: 'a.png', image: solid(3, 2, [10, 10, 10]) }]);
    expect(v.spacingMm).toEqual([1, 1, 1]);
    expect(v.affine).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(v.source).toEqual({
      format: 'image',
      name: 'a.png',
      note: '8-bit images: treated as already windowed; voxel spacing unknown: assumed 1 × 1 × 1 mm',
    });
    expect(v.data[0]).toBeCloseTo(10, 5);
  });

  it('uses the given spacing for the affine', () => {
    const v = volumeFromImages(
      ['b.png', 'a.png'].map((name) => ({ name, image: solid(2, 2, [0, 0, 0]) })),
      [0.5, 0.6, 2.5],
    );
    expect(v.spacingMm).toEqual([0.5, 0.6, 2.5]);
    expect(v.affine).toEqual([0.5, 0, 0, 0, 0, 0.6, 0, 0, 0, 0, 2.5, 0, 0, 0, 0, 1]);
    expect(v.source.note).toBe('8-bit images: treated as already windowed');
    expect(v.source.name).toBe('2 files');
  });

  it('refuses slices of different sizes, naming the odd one', () => {
    let caught: unknown;
    try {
      volumeFromImages([
        { name: 'img1.png', image: solid(4, 4, [0, 0, 0]) },
        { name: 'img2.png', image: solid(4, 4, [0, 0, 0]) },
        { name: 'img3.png', image: solid(4, 5, [0, 0, 0]) },
      ]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LoupeError);
    expect((caught as LoupeError).code).toBe('INCONSISTENT_SERIES');
    expect((caught as LoupeError).message).toMatch(/^img3\.png is 4×5 pixels but img1\.png is 4×4/);
  });

  it('refuses an empty stack', () => {
    expect(() => volumeFromImages([])).toThrow(LoupeError);
  });
});

describe('naturalCompare', () => {
  it('orders embedded numbers numerically', () => {
    expect(['img10.png', 'img9.png', 'img100.png', 'img1.png'].sort(naturalCompare)).toEqual(['img1.png', 'img9.png', 'img10.png', 'img100.png']);
    expect(['b/2.png', 'a/10.png', 'a/2.png'].sort(naturalCompare)).toEqual(['a/2.png', 'a/10.png', 'b/2.png']);
  });
});
