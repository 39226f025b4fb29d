// A synthetic short-axis cardiac MRI frame for timing: body, LV blood pool, myocardium ring, RV crescent, noise.
// Deterministic (seeded); 8-bit intensities, like a windowed cine export. Pure.
import type { Volume } from '../../io/volume';

export interface PhantomOptions {
  nx?: number;
  ny?: number;
  nz?: number;
  /** In-plane pixel size and slice distance, mm. */
  spacingMm?: [number, number, number];
  seed?: number;
}

/** Intensities per tissue (0–255). */
export const PHANTOM_LEVELS = { air: 5, body: 70, myocardium: 55, blood: 200 } as const;

/** The phantom's voxels as uint8 (x fastest, then y, then z). */
export function phantomVoxels({ nx = 256, ny = 256, nz = 10, spacingMm = [1.4, 1.4, 8], seed = 1 }: PhantomOptions = {}): Uint8Array {
  const out = new Uint8Array(nx * ny * nz);
  let s = seed >>> 0;
  const noise = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 16;
  };
  const [dx, dy] = spacingMm;
  const cx = nx / 2;
  const cy = ny / 2;
  for (let z = 0; z < nz; z++) {
    // Base (z = 0) to apex: the ventricles narrow.
    const taper = 1 - (0.6 * z) / Math.max(1, nz - 1);
    const lvR = 25 * taper; // mm
    const myoR = lvR + 10;
    const rvR = 30 * taper;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const xm = (x - cx) * dx;
        const ym = (y - cy) * dy;
        let v: number = PHANTOM_LEVELS.air;
        if ((xm / 150) ** 2 + (ym / 110) ** 2 < 1) v = PHANTOM_LEVELS.body;
        const r = Math.hypot(xm - 10, ym);
        const rRv = Math.hypot(xm + 40, ym + 5);
        if (rRv < rvR && r > myoR) v = PHANTOM_LEVELS.blood;
        if (r < myoR) v = PHANTOM_LEVELS.myocardium;
        if (r < lvR) v = PHANTOM_LEVELS.blood;
        out[(z * ny + y) * nx + x] = Math.max(0, Math.min(255, Math.round(v + noise())));
      }
    }
  }
  return out;
}

/** The phantom as a Volume (one frame), with a diagonal affine for its spacing. */
export function phantomVolume(options: PhantomOptions = {}): Volume {
  const { nx = 256, ny = 256, nz = 10, spacingMm = [1.4, 1.4, 8] } = options;
  const voxels = phantomVoxels(options);
  const [dx, dy, dz] = spacingMm;
  return {
    data: Float32Array.from(voxels),
    dims: [nx, ny, nz, 1],
    spacingMm: [dx, dy, dz],
    affine: [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1],
    source: { format: 'nifti', name: 'bench-phantom.nii' },
  };
}
