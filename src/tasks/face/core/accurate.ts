import type { FaceModelId } from './models';
import type { Face } from './types';
import type { Rect } from './letterbox';

/** One inference of accurate mode: a crop of the image, run through one model, possibly mirrored. */
export interface View {
  rect: Rect;
  model: FaceModelId;
  mirror: boolean;
}

/** Tiles per side of the longer image edge, at each tiling level. */
export const TILE_LEVELS = [2, 3];
/** Neighbouring tiles overlap by this share of a tile, so any face up to that size fits whole in one tile. */
export const TILE_OVERLAP = 0.25;

/**
 * FDNet-style multi-scale test plan: the whole image through both models, plus overlapping square tiles at
 * each level through the full-range model (small faces get up to 3× more input pixels), every view also
 * mirrored.
 */
export function planViews(width: number, height: number): View[] {
  const views: View[] = [];
  const whole: Rect = [0, 0, width, height];
  for (const model of ['blazeface-short', 'blazeface-full'] as const) {
    views.push({ rect: whole, model, mirror: false }, { rect: whole, model, mirror: true });
  }
  for (const level of TILE_LEVELS) {
    // Whole pixels: with a fractional side the rounded last start leaves the last tile short of the image
    // edge (512/3: [341, 511.67)), so that edge would count as an inner one and a sliver stays uncovered.
    const side = Math.ceil(Math.max(width, height) / level);
    if (side < 32) continue;
    for (const y of tileStarts(height, side)) {
      for (const x of tileStarts(width, side)) {
        const rect: Rect = [x, y, Math.min(side, width - x), Math.min(side, height - y)];
        views.push({ rect, model: 'blazeface-full', mirror: false }, { rect, model: 'blazeface-full', mirror: true });
      }
    }
  }
  return views;
}

function tileStarts(length: number, side: number): number[] {
  if (side >= length) return [0];
  const stride = side * (1 - TILE_OVERLAP);
  const count = Math.ceil((length - side) / stride) + 1;
  const step = (length - side) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * step));
}

/**
 * A face cut by a tile's inner edge is only partly visible there; the neighbouring tile (or a coarser view)
 * sees it whole. Keeps faces that stay clear of every tile edge that is not also an image edge.
 */
export function isWhollyInside(face: Face, rect: Rect, width: number, height: number, marginPx = 2): boolean {
  const [x, y, w, h] = face.box;
  const [rx, ry, rw, rh] = rect;
  if (rx > 0 && x < rx + marginPx) return false;
  if (ry > 0 && y < ry + marginPx) return false;
  if (rx + rw < width && x + w > rx + rw - marginPx) return false;
  if (ry + rh < height && y + h > ry + rh - marginPx) return false;
  return true;
}
