// Face anonymisation: every detected face pixelated beyond recognition, the rest of the picture untouched. Pure.
import type { RgbaImage } from '../../../io/image';
import type { Face } from './types';

/** How much of the box around a face is pixelated too (hair, ears, chin), as a share of its size on each side. */
export const ANONYMISE_MARGIN = 0.15;

/** The pixel rectangle [x0, y0, x1, y1) pixelated for a face box, clipped to the image. */
export function anonymisedRect([x, y, w, h]: readonly number[], width: number, height: number, margin = ANONYMISE_MARGIN): [number, number, number, number] {
  const mx = w * margin;
  const my = h * margin;
  return [Math.max(0, Math.floor(x - mx)), Math.max(0, Math.floor(y - my)), Math.min(width, Math.ceil(x + w + mx)), Math.min(height, Math.ceil(y + h + my))];
}

/**
 * Pixelates every face in place: its rectangle becomes blocks of their mean colour, each block at most a tenth of the
 * face (never less than 4 px), so no feature survives. Returns the rectangles it changed.
 */
export function pixelateFaces(image: RgbaImage, faces: readonly Pick<Face, 'box'>[]): [number, number, number, number][] {
  const { width, height, data } = image;
  const rects = faces.map((f) => anonymisedRect(f.box, width, height));
  for (const [x0, y0, x1, y1] of rects) {
    const block = Math.max(4, Math.ceil(Math.max(x1 - x0, y1 - y0) / 10));
    for (let by = y0; by < y1; by += block) {
      for (let bx = x0; bx < x1; bx += block) {
        const ex = Math.min(x1, bx + block);
        const ey = Math.min(y1, by + block);
        const sum = [0, 0, 0, 0];
        for (let y = by; y < ey; y++) for (let x = bx; x < ex; x++) for (let c = 0; c < 4; c++) sum[c] += data[(y * width + x) * 4 + c];
        const n = (ex - bx) * (ey - by);
        for (let y = by; y < ey; y++) for (let x = bx; x < ex; x++) for (let c = 0; c < 4; c++) data[(y * width + x) * 4 + c] = Math.round(sum[c] / n);
      }
    }
  }
  return rects;
}
