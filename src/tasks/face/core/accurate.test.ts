import { describe, expect, it } from 'vitest';
import { TILE_LEVELS, TILE_OVERLAP, isWhollyInside, planViews, type View } from './accurate';
import type { Rect } from './letterbox';
import type { Face } from './types';

const tiles = (views: View[]) => views.slice(4);
/** Tile rects of one level, grouped by their side (the longer of w, h). */
function levels(views: View[]): Map<number, Rect[]> {
  const byLevel = new Map<number, Rect[]>();
  for (const v of tiles(views)) {
    if (v.mirror) continue;
    const side = Math.max(v.rect[2], v.rect[3]);
    byLevel.set(side, [...(byLevel.get(side) ?? []), v.rect]);
  }
  return byLevel;
}

describe('planViews', () => {
  it('plans 4 whole-image views + 9 + 16 mirrored tile pairs for 512×512', () => {
    const views = planViews(512, 512);
    expect(TILE_LEVELS).toEqual([2, 3]);
    expect(views).toHaveLength(4 + 2 * 9 + 2 * 16);
    expect(views.slice(0, 4)).toEqual([
      { rect: [0, 0, 512, 512], model: 'blazeface-short', mirror: false },
      { rect: [0, 0, 512, 512], model: 'blazeface-short', mirror: true },
      { rect: [0, 0, 512, 512], model: 'blazeface-full', mirror: false },
      { rect: [0, 0, 512, 512], model: 'blazeface-full', mirror: true },
    ]);
  });

  it('runs every tile through the full-range model, plain then mirrored', () => {
    const t = tiles(planViews(512, 512));
    for (const v of t) expect(v.model).toBe('blazeface-full');
    for (let i = 0; i < t.length; i += 2) {
      expect(t[i].mirror).toBe(false);
      expect(t[i + 1].mirror).toBe(true);
      expect(t[i + 1].rect).toEqual(t[i].rect);
    }
  });

  it('lays out the 512×512 tiles by hand', () => {
    const byLevel = levels(planViews(512, 512));
    expect([...byLevel.keys()]).toEqual([256, 171]);
    // Level 2: side 256, stride ≤ 192 → 3 starts, evenly spread: 0, 128, 256.
    const starts2 = [0, 128, 256];
    expect(byLevel.get(256)).toEqual(starts2.flatMap((y) => starts2.map((x) => [x, y, 256, 256])));
    // Level 3: side ceil(512 / 3) = 171, stride ≤ 128.25 → 4 starts over 341 px: 0, 114, 227, 341.
    const starts3 = [0, 114, 227, 341];
    expect(byLevel.get(171)).toEqual(starts3.flatMap((y) => starts3.map((x) => [x, y, 171, 171])));
  });

  it('lays out a 640×480 image by hand', () => {
    const views = planViews(640, 480);
    expect(views).toHaveLength(4 + 2 * (3 * 2) + 2 * (4 * 3));
    const byLevel = levels(views);
    // Level 2: side 320; x starts 0, 160, 320; y starts 0, 160.
    expect(byLevel.get(320)).toEqual([0, 160].flatMap((y) => [0, 160, 320].map((x) => [x, y, 320, 320])));
    // Level 3: side 214; x over 426 px in 3 steps of 142; y over 266 px in 2 steps of 133.
    expect(byLevel.get(214)).toEqual([0, 133, 266].flatMap((y) => [0, 142, 284, 426].map((x) => [x, y, 214, 214])));
  });

  it('uses a single full-height row when the tile is taller than the image', () => {
    const byLevel = levels(planViews(1000, 300));
    // Level 2: side 500 ≥ 300 → one row of height 300.
    expect(byLevel.get(500)).toEqual([0, 250, 500].map((x) => [x, 0, 500, 300]));
  });

  it('skips tile levels whose tiles would be under 32 px', () => {
    expect(planViews(60, 40)).toHaveLength(4);
    expect(planViews(1, 1)).toHaveLength(4);
    // 64 px: level 2 gives 32 px tiles (3 × 3), level 3 would give 22 px tiles.
    expect(planViews(64, 64)).toHaveLength(4 + 2 * 9);
  });

  for (const [width, height] of [
    [512, 512],
    [640, 480],
    [513, 301],
    [301, 513],
    [1000, 300],
    [97, 65],
  ]) {
    it(`keeps whole-pixel tiles inside ${width}×${height}, covering every pixel at each level with the planned overlap`, () => {
      const views = planViews(width, height);
      const byLevel = levels(views);
      expect(byLevel.size).toBe(TILE_LEVELS.filter((l) => Math.ceil(Math.max(width, height) / l) >= 32).length);
      for (const [side, rects] of byLevel) {
        const covered = new Uint8Array(width * height);
        for (const [x, y, w, h] of rects) {
          for (const v of [x, y, w, h]) expect(Number.isInteger(v)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(y).toBeGreaterThanOrEqual(0);
          expect(x + w).toBeLessThanOrEqual(width);
          expect(y + h).toBeLessThanOrEqual(height);
          for (let py = y; py < y + h; py++) covered.fill(1, py * width + x, py * width + x + w);
        }
        expect(covered.indexOf(0)).toBe(-1);
        // Neighbouring starts along each axis overlap by at least TILE_OVERLAP of a tile (where there are several).
        for (const axis of [0, 1] as const) {
          const starts = [...new Set(rects.map((r) => r[axis]))].sort((a, b) => a - b);
          const extent = rects[0][axis + 2];
          for (let i = 1; i < starts.length; i++) expect(starts[i - 1] + extent - starts[i]).toBeGreaterThanOrEqual(TILE_OVERLAP * side);
        }
      }
    });
  }
});

describe('isWhollyInside', () => {
  const face = (x: number, y: number, w = 20, h = 20): Face => ({ box: [x, y, w, h], score: 1, keypoints: [] });
  const W = 512;
  const H = 512;

  it('rejects a face touching an inner tile edge, within the 2 px margin', () => {
    const middle: Rect = [128, 128, 256, 256];
    expect(isWhollyInside(face(128, 200), middle, W, H)).toBe(false); // left
    expect(isWhollyInside(face(129, 200), middle, W, H)).toBe(false);
    expect(isWhollyInside(face(130, 200), middle, W, H)).toBe(true);
    expect(isWhollyInside(face(200, 128), middle, W, H)).toBe(false); // top
    expect(isWhollyInside(face(200, 130), middle, W, H)).toBe(true);
    expect(isWhollyInside(face(364, 200), middle, W, H)).toBe(false); // right edge at 384
    expect(isWhollyInside(face(363, 200), middle, W, H)).toBe(false);
    expect(isWhollyInside(face(362, 200), middle, W, H)).toBe(true); // ends at 382 = 384 - 2
    expect(isWhollyInside(face(200, 364), middle, W, H)).toBe(false); // bottom
    expect(isWhollyInside(face(200, 362), middle, W, H)).toBe(true);
    expect(isWhollyInside(face(100, 200), middle, W, H)).toBe(false); // mostly outside
  });

  it('keeps a face touching the image border', () => {
    expect(isWhollyInside(face(0, 0), [0, 0, 256, 256], W, H)).toBe(true);
    expect(isWhollyInside(face(492, 492), [256, 256, 256, 256], W, H)).toBe(true); // ends at 512
    expect(isWhollyInside(face(-5, -5), [0, 0, 256, 256], W, H)).toBe(true); // spills past the image: no neighbour sees more
    expect(isWhollyInside(face(492, 0), [256, 0, 256, 256], W, H)).toBe(true);
    expect(isWhollyInside(face(492, 240), [256, 0, 256, 256], W, H)).toBe(false); // but not the tile's inner bottom edge
  });

  it('keeps every face of a whole-image view', () => {
    for (const f of [face(0, 0), face(492, 492), face(-10, 500, 40, 40)]) expect(isWhollyInside(f, [0, 0, W, H], W, H)).toBe(true);
  });

  it('honours a custom margin', () => {
    expect(isWhollyInside(face(133, 200), [128, 128, 256, 256], W, H, 5)).toBe(true);
    expect(isWhollyInside(face(132, 200), [128, 128, 256, 256], W, H, 5)).toBe(false);
    expect(isWhollyInside(face(128, 200), [128, 128, 256, 256], W, H, 0)).toBe(true);
  });
});
