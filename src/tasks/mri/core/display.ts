import { windowGrey, writeBlended } from '../../../io/pixels';

/** Display helpers for the viewer: pure, tested in Node. */

/** Window (centre, width) spanning the 1st–99th percentile of the values: a good default for MR. */
export function autoWindow(values: ArrayLike<number>, maxSamples = 200_000): { level: number; window: number } {
  const step = Math.max(1, Math.floor(values.length / maxSamples));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) sample.push(values[i]);
  if (sample.length === 0) return { level: 0, window: 1 };
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(0.01 * (sample.length - 1))];
  const hi = sample[Math.ceil(0.99 * (sample.length - 1))];
  return { level: (lo + hi) / 2, window: Math.max(hi - lo, 1e-6) };
}

export const CLASS_COLOURS: [number, number, number][] = [
  [0, 0, 0],
  [229, 57, 53], // RV red
  [67, 160, 71], // MYO green
  [30, 136, 229], // LV blue
];

/**
 * Grey slice (window/level) with the label overlay blended in, as RGBA for a canvas ImageData.
 * `visible[c]` hides classes; 'contour' marks only pixels whose 4-neighbours carry another label.
 */
export function renderSliceRgba(
  values: ArrayLike<number>,
  labels: ArrayLike<number> | undefined,
  nx: number,
  ny: number,
  { level, window, opacity, mode, visible }: { level: number; window: number; opacity: number; mode: 'filled' | 'contour'; visible: boolean[] },
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(nx * ny * 4);
  const lo = level - window / 2;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const i = y * nx + x;
      const label = labels ? labels[i] : 0;
      let alpha = 0;
      if (label > 0 && visible[label]) {
        const edge = x === 0 || y === 0 || x === nx - 1 || y === ny - 1 || labels![i - 1] !== label || labels![i + 1] !== label || labels![i - nx] !== label || labels![i + nx] !== label;
        alpha = mode === 'filled' ? opacity : edge ? 1 : 0;
      }
      writeBlended(out, i, windowGrey(values[i], lo, window), CLASS_COLOURS[label], alpha);
    }
  }
  return out;
}
