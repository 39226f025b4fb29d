import { sampleBilinear, sourceToModel, type SliceGrid } from './grid';

export const MRI_CLASSES = ['background', 'RV', 'MYO', 'LV'] as const;
export const CLASS_COUNT = MRI_CLASSES.length;

/**
 * Model logits [C, size, size] → a label map on the source slice grid: each source pixel takes the arg-max of
 * the logits interpolated (bilinear) at its position in the model grid; pixels outside the crop are background.
 */
export function labelsOnSource(logits: Float32Array, g: SliceGrid): Uint8Array {
  const plane = g.size * g.size;
  if (logits.length !== CLASS_COUNT * plane) throw new RangeError(`expected ${CLASS_COUNT}×${g.size}×${g.size} logits, got ${logits.length}`);
  const labels = new Uint8Array(g.nx * g.ny);
  const planes = Array.from({ length: CLASS_COUNT }, (_, c) => logits.subarray(c * plane, (c + 1) * plane));
  for (let y = 0; y < g.ny; y++) {
    for (let x = 0; x < g.nx; x++) {
      const [u, v] = sourceToModel(g, x, y);
      if (u < -0.5 || v < -0.5 || u > g.size - 0.5 || v > g.size - 0.5) continue;
      let best = 0;
      let bestValue = -Infinity;
      for (let c = 0; c < CLASS_COUNT; c++) {
        const value = sampleBilinear(planes[c], g.size, g.size, u, v, -Infinity);
        if (value > bestValue) {
          bestValue = value;
          best = c;
        }
      }
      labels[y * g.nx + x] = best;
    }
  }
  return labels;
}

/** The direction field [2, size, size] (x then y component, model pixels) at a source pixel, in source pixels. */
export function directionAt(df: Float32Array, g: SliceGrid, x: number, y: number): [number, number] {
  const [u, v] = sourceToModel(g, x, y);
  const plane = g.size * g.size;
  const dx = sampleBilinear(df.subarray(0, plane), g.size, g.size, u, v, 0);
  const dy = sampleBilinear(df.subarray(plane), g.size, g.size, u, v, 0);
  // A model pixel spans spacingMm / dxMm source pixels.
  return [(dx * g.spacingMm) / g.dxMm, (dy * g.spacingMm) / g.dyMm];
}
