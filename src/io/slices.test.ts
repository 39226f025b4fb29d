import { describe, expect, it } from 'vitest';
import { LoupeError } from '../errors';
import type { RgbaImage } from './image';
import { arrangeStack, naturalCompare, volumeFromImages } from './slices';

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

describe('arrangeStack', () => {
  const img = (v: number) => ({ width: 2, height: 1, data: new Uint8ClampedArray([v, v, v, 255, v, v, v, 255]) });
  // Six images named so that natural order is a0f0, a0f1, a1f0, a1f1, a2f0, a2f1 (slice-major: frames of a slice together).
  const stack = volumeFromImages([0, 1, 2].flatMap((z) => [0, 1].map((t) => ({ name: `a${z}f${t}.png`, image: img(10 * z + t) }))));

  it('splits slice-major images into positions × frames, with the spacing the user gave', () => {
    const v = arrangeStack(stack, { pixelMm: 1.4, sliceMm: 8, frames: 2, order: 'slice-major' });
    expect(v.dims).toEqual([2, 1, 3, 2]);
    expect(v.spacingMm).toEqual([1.4, 1.4, 8]);
    // frame 0: slices 0, 10, 20; frame 1: 1, 11, 21 (luminance of a grey pixel is the grey value)
    expect(Array.from(v.data.filter((_, i) => i % 2 === 0)).map(Math.round)).toEqual([0, 10, 20, 1, 11, 21]);
    expect(v.source.note).toMatch(/pixel size 1.4 mm, slice spacing 8 mm, as you set them; 3 slices × 2 frames/);
  });

  it('keeps frame-major order as it is, says what it still assumes, and refuses a count that does not split', () => {
    const v = arrangeStack(stack, { frames: 3, order: 'frame-major' });
    expect(v.dims).toEqual([2, 1, 2, 3]);
    expect(v.source.note).toMatch(/assumed: pixel size 1 mm, slice spacing 1 mm/);
    expect(() => arrangeStack(stack, { frames: 4, order: 'frame-major' })).toThrow(/6 images cannot be split into 4 frames/);
  });
});
