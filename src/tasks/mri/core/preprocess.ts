import { axisSamples, modelToSource, type SliceGrid } from './grid';

/** What the model was trained on (its manifest's `preprocess`). */
export interface MriPreprocess {
  spacingMm: number;
  cropSize: number;
}

export const DFNET_PREPROCESS: MriPreprocess = { spacingMm: 1.5, cropSize: 128 };

/** The model grid for a slice, centred on (cx, cy) in source pixels (default: the image centre). */
export function sliceGrid(nx: number, ny: number, dxMm: number, dyMm: number, p: MriPreprocess = DFNET_PREPROCESS, cx = nx / 2, cy = ny / 2): SliceGrid {
  return { nx, ny, dxMm, dyMm, spacingMm: p.spacingMm, size: p.cropSize, cx, cy };
}

/**
 * One slice → the model input: resampled (bilinear) to the model's pixel size, centre-cropped or zero-padded to
 * its side, then z-scored over the crop (std floored at 1e-6). Returns size×size values, x fastest.
 */
export function toModelInput(slice: ArrayLike<number>, g: SliceGrid): Float32Array {
  const out = new Float32Array(g.size * g.size);
  // The same values as sampleBilinear(slice, nx, ny, modelToSource(g, u, v), 0) per pixel, weights once per column and row.
  const cols = axisSamples(g.size, (u) => modelToSource(g, u, 0)[0], g.nx);
  const rows = axisSamples(g.size, (v) => modelToSource(g, 0, v)[1], g.ny);
  for (let v = 0; v < g.size; v++) {
    if (!rows.inside[v]) continue;
    const r0 = rows.i0[v] * g.nx;
    const r1 = rows.i1[v] * g.nx;
    const fy = rows.f[v];
    for (let u = 0; u < g.size; u++) {
      if (!cols.inside[u]) continue;
      const c0 = cols.i0[u];
      const c1 = cols.i1[u];
      const fx = cols.f[u];
      const top = slice[r0 + c0] * (1 - fx) + slice[r0 + c1] * fx;
      const bottom = slice[r1 + c0] * (1 - fx) + slice[r1 + c1] * fx;
      out[v * g.size + u] = top * (1 - fy) + bottom * fy;
    }
  }
  return zScore(out);
}

export function zScore(values: Float32Array): Float32Array {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const std = Math.max(Math.sqrt(variance / values.length), 1e-6);
  for (let i = 0; i < values.length; i++) values[i] = (values[i] - mean) / std;
  return values;
}
