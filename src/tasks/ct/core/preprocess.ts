/** UCADI preprocessing (Bai et al. 2021, reference code): pure functions on plain arrays. */

export const HU_MIN = -1200;
export const HU_MAX = 600;
export const HU_MEAN = -604.23;
export const HU_STD = 489.42;
export const CT_INPUT: [number, number, number] = [16, 128, 128];

/** Clip to [−1200, 600] HU, then (x + 604.23) / 489.42. */
export function normaliseHu(hu: number): number {
  const clipped = hu < HU_MIN ? HU_MIN : hu > HU_MAX ? HU_MAX : hu;
  return (clipped - HU_MEAN) / HU_STD;
}

/** Slice stride by depth: 1 up to 80 slices, 2 up to 160, else 5. */
export function sliceStride(depth: number): number {
  return depth <= 80 ? 1 : depth <= 160 ? 2 : 5;
}

/**
 * The slice indices of sampling `k` of `count`: 16 slices at the depth's stride, the samplings' start points
 * spread evenly over the volume (one sampling = the central one). Fewer than 16 when the volume is short.
 */
export function sampleSliceIndices(depth: number, k = 0, count = 1, slices = CT_INPUT[0]): number[] {
  const stride = sliceStride(depth);
  const positions = Math.ceil(depth / stride);
  const n = Math.min(slices, positions);
  const free = positions - n;
  const start = count <= 1 ? Math.floor(free / 2) : Math.round((k * free) / (count - 1));
  return Array.from({ length: n }, (_, j) => (start + j) * stride);
}

/**
 * Trilinear resize of a [d, h, w] volume (x fastest) to `to`, with PyTorch's `align_corners=False` convention:
 * output voxel i samples input coordinate (i + 0.5) · in/out − 0.5, clamped to the edges.
 */
export function resizeTrilinear(src: ArrayLike<number>, [d, h, w]: [number, number, number], [D, H, W]: [number, number, number]): Float32Array {
  const axis = (n: number, N: number) =>
    Array.from({ length: N }, (_, i) => {
      const x = Math.min(Math.max(((i + 0.5) * n) / N - 0.5, 0), n - 1);
      const i0 = Math.floor(x);
      return { i0, i1: Math.min(i0 + 1, n - 1), f: x - i0 };
    });
  const zs = axis(d, D);
  const ys = axis(h, H);
  const xs = axis(w, W);
  const out = new Float32Array(D * H * W);
  let o = 0;
  for (const z of zs) {
    for (const y of ys) {
      const r00 = (z.i0 * h + y.i0) * w;
      const r01 = (z.i0 * h + y.i1) * w;
      const r10 = (z.i1 * h + y.i0) * w;
      const r11 = (z.i1 * h + y.i1) * w;
      for (const x of xs) {
        const lerp = (row: number) => src[row + x.i0] + (src[row + x.i1] - src[row + x.i0]) * x.f;
        const a = lerp(r00) + (lerp(r01) - lerp(r00)) * y.f;
        const b = lerp(r10) + (lerp(r11) - lerp(r10)) * y.f;
        out[o++] = a + (b - a) * z.f;
      }
    }
  }
  return out;
}

/**
 * One sampling of a CT volume (HU, [nz, ny, nx] with x fastest) → the model input [16, 128, 128]: the sampled
 * slices, HU clipped and normalised, trilinearly resized.
 */
export function toModelInput(hu: ArrayLike<number>, [nx, ny]: [number, number, number], indices: number[]): Float32Array {
  const plane = nx * ny;
  const picked = new Float32Array(indices.length * plane);
  indices.forEach((z, j) => {
    for (let i = 0; i < plane; i++) picked[j * plane + i] = normaliseHu(hu[z * plane + i]);
  });
  return resizeTrilinear(picked, [indices.length, ny, nx], CT_INPUT);
}

/** Display windows for chest CT, in HU. */
export const CT_WINDOWS = {
  lung: { level: -600, window: 1500 },
  mediastinal: { level: 40, window: 400 },
} as const;
export type CtWindow = keyof typeof CT_WINDOWS;

/**
 * 8-bit slice images carry no HU: they are taken as already windowed with the lung window, so 0 → −1350 HU and
 * 255 → +150 HU (approximate; said so in the UI).
 */
export function huFromWindowed(grey: number, { level, window } = CT_WINDOWS.lung): number {
  return level - window / 2 + (grey / 255) * window;
}
