import { describe, expect, it } from 'vitest';
import { FULL_RANGE_ANCHORS, SHORT_RANGE_ANCHORS, generateAnchors } from './anchors';
import { FACE_MODELS, FACE_MODEL_IDS, anchorsFor } from './models';

const at = (a: Float32Array, i: number): [number, number] => [a[2 * i], a[2 * i + 1]];

describe('generateAnchors', () => {
  for (const [name, options] of [
    ['short range (128, strides 8/16/16/16)', SHORT_RANGE_ANCHORS],
    ['full range (256, strides 16/32/32/32)', FULL_RANGE_ANCHORS],
  ] as const) {
    describe(name, () => {
      const anchors = generateAnchors(options);

      it('has 16×16×2 + 8×8×6 = 896 anchors', () => {
        expect(anchors.length).toBe(2 * 896);
      });

      it('starts with two anchors per cell on the 16×16 grid', () => {
        expect(at(anchors, 0)).toEqual([0.03125, 0.03125]);
        expect(at(anchors, 1)).toEqual([0.03125, 0.03125]);
        expect(at(anchors, 2)).toEqual([0.09375, 0.03125]); // next cell along x
        expect(at(anchors, 31)).toEqual([0.96875, 0.03125]); // last cell of the first row
        expect(at(anchors, 32)).toEqual([0.03125, 0.09375]); // first cell of the second row
        expect(at(anchors, 511)).toEqual([0.96875, 0.96875]); // last anchor of the 16×16 grid
      });

      it('continues with six anchors per cell on the 8×8 grid', () => {
        for (let i = 512; i < 518; i++) expect(at(anchors, i)).toEqual([0.0625, 0.0625]);
        expect(at(anchors, 518)).toEqual([0.1875, 0.0625]);
        expect(at(anchors, 512 + 8 * 6)).toEqual([0.0625, 0.1875]); // second row
        expect(at(anchors, 895)).toEqual([0.9375, 0.9375]);
      });

      it('is row-major with x fastest', () => {
        for (let i = 0; i < 896; i++) {
          const [cells, perCell, base] = i < 512 ? [16, 2, 0] : [8, 6, 512];
          const cell = Math.floor((i - base) / perCell);
          const x = cell % cells;
          const y = Math.floor(cell / cells);
          expect(at(anchors, i)).toEqual([(x + 0.5) / cells, (y + 0.5) / cells]);
        }
      });
    });
  }

  it('uses ceil(input / stride) cells and the anchor offset', () => {
    // 10 / 4 → 3 cells, one layer → 2 anchors per cell.
    const anchors = generateAnchors({ inputSize: 10, strides: [4], anchorOffset: 0 });
    expect(anchors.length).toBe(2 * 9 * 2);
    expect(at(anchors, 0)).toEqual([0, 0]);
    expect(anchors[2 * 2]).toBeCloseTo(1 / 3, 6);
    expect(at(anchors, 17)).toEqual([Math.fround(2 / 3), Math.fround(2 / 3)]);
  });

  it('keeps layers with different strides as separate grids, even when a stride recurs later', () => {
    // [8, 16, 8]: the two 8-stride layers are not adjacent, so they are not merged.
    const anchors = generateAnchors({ inputSize: 16, strides: [8, 16, 8], anchorOffset: 0.5 });
    expect(anchors.length / 2).toBe(2 * 2 * 2 + 1 * 1 * 2 + 2 * 2 * 2);
  });
});

describe('anchorsFor', () => {
  it('caches one anchor set per model and matches the spec', () => {
    for (const id of FACE_MODEL_IDS) {
      const a = anchorsFor(id);
      expect(anchorsFor(id)).toBe(a);
      expect(a).toEqual(generateAnchors(FACE_MODELS[id].anchorOptions));
      expect(FACE_MODELS[id].anchorOptions.inputSize).toBe(FACE_MODELS[id].inputSize);
    }
  });
});
