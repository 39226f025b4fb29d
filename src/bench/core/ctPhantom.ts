// A synthetic chest CT volume in Hounsfield units for timing the CT item: air around an elliptical body (soft
// tissue), two lungs (aerated parenchyma), a spine and a few ground-glass patches, plus noise. Deterministic
// (seeded), x fastest, then y, then z, like a Volume's data. Pure. Its classification means nothing: it only has
// to look like a chest so the pipeline does its usual work.

export interface CtPhantomOptions {
  nx?: number;
  ny?: number;
  nz?: number;
  seed?: number;
}

/** HU per tissue. */
export const CT_PHANTOM_HU = { air: -1000, lung: -850, groundGlass: -500, softTissue: 40, bone: 700 } as const;

export function ctPhantomHu({ nx = 128, ny = 128, nz = 16, seed = 1 }: CtPhantomOptions = {}): Float32Array {
  const out = new Float32Array(nx * ny * nz);
  let s = seed >>> 0;
  const noise = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 40;
  };
  const inside = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  for (let z = 0; z < nz; z++) {
    const lungScale = 0.8 + (0.2 * z) / Math.max(1, nz - 1); // the lungs widen towards the bases
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        let hu: number = CT_PHANTOM_HU.air;
        if (inside(x, y, nx / 2, ny / 2, nx * 0.45, ny * 0.35)) {
          hu = CT_PHANTOM_HU.softTissue;
          const left = inside(x, y, nx * 0.3, ny * 0.48, nx * 0.13 * lungScale, ny * 0.24);
          const right = inside(x, y, nx * 0.7, ny * 0.48, nx * 0.13 * lungScale, ny * 0.24);
          if (left || right) hu = CT_PHANTOM_HU.lung;
          if (inside(x, y, nx * 0.68, ny * 0.42, nx * 0.04, ny * 0.05) && z >= nz / 4) hu = CT_PHANTOM_HU.groundGlass;
          if (inside(x, y, nx / 2, ny * 0.76, nx * 0.05, ny * 0.05)) hu = CT_PHANTOM_HU.bone;
        }
        out[(z * ny + y) * nx + x] = hu + noise();
      }
    }
  }
  return out;
}
