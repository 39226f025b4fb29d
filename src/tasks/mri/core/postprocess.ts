import { axisSamples, sampleBilinear, sourceToModel, type SliceGrid } from './grid';

export const MRI_CLASSES = ['background', 'RV', 'MYO', 'LV'] as const;
export const CLASS_COUNT = MRI_CLASSES.length;

/**
 * Model logits [C, size, size] → a label map on the source slice grid: each source pixel takes the arg-max of
 * the logits interpolated (bilinear) at its position in the model grid; pixels outside the crop are background.
 * The same values as `sampleBilinear` per class and pixel, with the interpolation weights computed once per column and row.
 */
export function labelsOnSource(logits: Float32Array, g: SliceGrid): Uint8Array {
  const plane = g.size * g.size;
  if (logits.length !== CLASS_COUNT * plane) throw new RangeError(`expected ${CLASS_COUNT}×${g.size}×${g.size} logits, got ${logits.length}`);
  const labels = new Uint8Array(g.nx * g.ny);
  const cols = axisSamples(g.nx, (x) => sourceToModel(g, x, 0)[0], g.size);
  const rows = axisSamples(g.ny, (y) => sourceToModel(g, 0, y)[1], g.size);
  for (let y = 0; y < g.ny; y++) {
    if (!rows.inside[y]) continue;
    const r0 = rows.i0[y] * g.size;
    const r1 = rows.i1[y] * g.size;
    const fy = rows.f[y];
    for (let x = 0; x < g.nx; x++) {
      if (!cols.inside[x]) continue;
      const c0 = cols.i0[x];
      const c1 = cols.i1[x];
      const fx = cols.f[x];
      let best = 0;
      let bestValue = -Infinity;
      for (let c = 0, o = 0; c < CLASS_COUNT; c++, o += plane) {
        const top = logits[o + r0 + c0] * (1 - fx) + logits[o + r0 + c1] * fx;
        const bottom = logits[o + r1 + c0] * (1 - fx) + logits[o + r1 + c1] * fx;
        const value = top * (1 - fy) + bottom * fy;
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
