/**
 * How one source slice maps onto the model's square input: centred, resampled to `spacingMm` per pixel.
 * Pixel i covers [i, i + 1); centres are at i + 0.5, in both grids.
 */
export interface SliceGrid {
  /** Source slice size in pixels. */
  nx: number;
  ny: number;
  /** Source pixel size in mm. */
  dxMm: number;
  dyMm: number;
  /** Model pixel size in mm, and model input side in pixels. */
  spacingMm: number;
  size: number;
  /** Centre of the crop in source pixel coordinates (continuous: pixel i spans [i, i + 1)); the image centre by default. */
  cx: number;
  cy: number;
}

/** Source pixel coordinates (continuous, index space: pixel i's centre is i) of model pixel (u, v). */
export function modelToSource(g: SliceGrid, u: number, v: number): [number, number] {
  return [g.cx + ((u + 0.5 - g.size / 2) * g.spacingMm) / g.dxMm - 0.5, g.cy + ((v + 0.5 - g.size / 2) * g.spacingMm) / g.dyMm - 0.5];
}

/** Model pixel coordinates (continuous, index space) of source pixel (x, y): the inverse of `modelToSource`. */
export function sourceToModel(g: SliceGrid, x: number, y: number): [number, number] {
  return [((x + 0.5 - g.cx) * g.dxMm) / g.spacingMm + g.size / 2 - 0.5, ((y + 0.5 - g.cy) * g.dyMm) / g.spacingMm + g.size / 2 - 0.5];
}

/** Bilinear sample of a w×h plane at continuous index coordinates; `outside` beyond the edge pixels' centres. */
export function sampleBilinear(plane: ArrayLike<number>, w: number, h: number, x: number, y: number, outside: number): number {
  if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) return outside;
  const cx = Math.min(Math.max(x, 0), w - 1);
  const cy = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const top = plane[y0 * w + x0] * (1 - fx) + plane[y0 * w + x1] * fx;
  const bottom = plane[y1 * w + x0] * (1 - fx) + plane[y1 * w + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Where each column (or row) of one grid samples the other, once per axis: `modelToSource` and `sourceToModel` map x
 * and y independently, so a slice needs one of these per column and row instead of one per pixel. `inside` is false
 * where `sampleBilinear` would return its `outside` value; `i0`, `i1`, `f` are its neighbours and weight, clamped alike.
 */
export function axisSamples(n: number, toOther: (i: number) => number, size: number) {
  const inside = new Uint8Array(n);
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = toOther(i);
    if (u < -0.5 || u > size - 0.5) continue;
    const c = Math.min(Math.max(u, 0), size - 1);
    inside[i] = 1;
    i0[i] = Math.floor(c);
    i1[i] = Math.min(i0[i] + 1, size - 1);
    f[i] = c - i0[i];
  }
  return { inside, i0, i1, f };
}
