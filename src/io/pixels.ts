/** Pixel helpers shared by the slice renderers (MRI labels, CT heat maps): pure, no DOM. */

/** A value under a display window (lowest value `lo`, width `window`) as grey 0–255. */
export function windowGrey(value: number, lo: number, window: number): number {
  const g = ((value - lo) / window) * 255;
  return g < 0 ? 0 : g > 255 ? 255 : g;
}

/** Writes grey blended towards `colour` by `alpha` (0: grey, 1: colour) as the opaque RGBA pixel `i` of `out`. */
export function writeBlended(out: Uint8ClampedArray, i: number, grey: number, colour: readonly number[] | undefined, alpha: number): void {
  const o = i * 4;
  for (let c = 0; c < 3; c++) out[o + c] = colour && alpha > 0 ? grey + (colour[c] - grey) * alpha : grey;
  out[o + 3] = 255;
}
