import type { Volume } from '../../../io/volume';
import { huFromWindowed } from './preprocess';

/**
 * A CT volume in HU. Slice images hold windowed grey levels, not HU: they are read as lung-windowed (said in
 * the note); only the first frame of a 4D volume is used.
 */
export function asHuFromImages(volume: Volume): Volume {
  let v = volume;
  if (v.source.format === 'image') {
    v = { ...v, data: v.data.map((g) => huFromWindowed(g)), source: { ...v.source, note: 'Slice images: read as already windowed with a lung window (L −600, W 1500), so HU are approximate.' } };
  }
  const [nx, ny, nz, nt] = v.dims;
  if (nt > 1) {
    v = { ...v, dims: [nx, ny, nz, 1], data: v.data.subarray(0, nx * ny * nz), source: { ...v.source, note: `${v.source.note ?? ''} Only the first of ${nt} frames is used.`.trim() } };
  }
  return v;
}
