import { windowGrey, writeBlended } from '../../../io/pixels';

/** A perceptually ordered heat colour map (black-body-like: dark red → orange → yellow → white) for v in [0, 1]. */
export function heatColour(v: number): [number, number, number] {
  const t = v < 0 ? 0 : v > 1 ? 1 : v;
  return [Math.min(255, t * 3 * 255), Math.min(255, Math.max(0, t * 3 - 1) * 255), Math.min(255, Math.max(0, t * 3 - 2) * 255)];
}

/** Grey CT slice (window/level in HU) with a heat map blended where the map is high: alpha = opacity · v. */
export function renderCtSliceRgba(hu: ArrayLike<number>, heat: ArrayLike<number> | undefined, heatMax: number, n: number, level: number, window: number, opacity: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(n * 4);
  const lo = level - window / 2;
  for (let i = 0; i < n; i++) {
    const v = heat && heatMax > 0 ? heat[i] / heatMax : 0;
    writeBlended(out, i, windowGrey(hu[i], lo, window), v > 0.05 ? heatColour(v) : undefined, opacity * v);
  }
  return out;
}
