// What the CT classifier will not look at: anything that is not a chest CT volume in Hounsfield units covering the
// lungs. Pure: a volume in, a refusal (code + reason for the user and for `infer ct --json`) or nothing out.
import type { Volume } from '../../../io/volume';
import { CT_INPUT } from './preprocess';

export interface CtRejection {
  code: 'NOT_CT' | 'COLOUR_IMAGE' | 'NOT_HU' | 'TOO_FEW_SLICES' | 'COVERAGE' | 'FIELD_OF_VIEW' | 'NO_LUNGS';
  reason: string;
}

/** The model samples this many slices across the chest. */
export const MIN_SLICES = CT_INPUT[0];
/** Cranio-caudal coverage a chest CT has at least (the lungs span about 250 mm). */
export const MIN_COVERAGE_MM = 120;
export const CT_FOV_MM: [number, number] = [180, 600];
/** Air-filled lung inside the body: at least this volume (mL), and this share of the voxels when the size is unknown. */
export const MIN_LUNG_ML = 300;
export const MIN_LUNG_SHARE = 0.03;
/** HU below this is air: outside the body when the slice border reaches it, lung when enclosed by the body. */
const AIR_HU = -400;

/** Voxels of enclosed air (lung) in one slice: HU < −400 not connected in-plane to the slice border. */
export function lungVoxels(slice: ArrayLike<number>, nx: number, ny: number): number {
  const outside = new Uint8Array(nx * ny);
  const stack: number[] = [];
  const seed = (i: number) => {
    if (slice[i] < AIR_HU && !outside[i]) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < nx; x++) (seed(x), seed((ny - 1) * nx + x));
  for (let y = 0; y < ny; y++) (seed(y * nx), seed(y * nx + nx - 1));
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % nx;
    const y = (i - x) / nx;
    if (x > 0) seed(i - 1);
    if (x < nx - 1) seed(i + 1);
    if (y > 0) seed(i - nx);
    if (y < ny - 1) seed(i + nx);
  }
  let n = 0;
  for (let i = 0; i < nx * ny; i++) if (slice[i] < AIR_HU && !outside[i]) n++;
  return n;
}

export interface CtCheckOptions {
  /** The user says these slice images are a CT shown in a lung window (so grey levels map back to HU). */
  windowedSlices?: boolean;
}

/** Input rules, in the order a user would want to hear them: what the file is, then its geometry, then its content. */
export function checkCtInput(volume: Pick<Volume, 'data' | 'dims' | 'spacingMm' | 'source'>, { windowedSlices = false }: CtCheckOptions = {}): CtRejection | undefined {
  const { modality, format, colour } = volume.source;
  if (modality && modality !== 'CT') return { code: 'NOT_CT', reason: `this is a DICOM ${modality} series, not CT: the classifier reads chest CT only` };
  if (format === 'image' && colour) return { code: 'COLOUR_IMAGE', reason: 'these are colour pictures, not CT slices: a CT is greyscale, in Hounsfield units' };
  if (format === 'image' && !windowedSlices) {
    return { code: 'NOT_HU', reason: 'image files hold grey levels, not Hounsfield units; if they are slices of a chest CT shown in a lung window, say so below and they are read as such' };
  }
  const [nx, ny, nz] = volume.dims;
  if (nz < MIN_SLICES) return { code: 'TOO_FEW_SLICES', reason: `it has ${nz} slice${nz === 1 ? '' : 's'}; the model samples ${MIN_SLICES} slices across the whole chest, so it needs a series of at least ${MIN_SLICES} axial slices` };
  const [dx, dy, dz] = volume.spacingMm;
  const spacingKnown = format !== 'image';
  if (spacingKnown) {
    const coverage = nz * dz;
    if (coverage < MIN_COVERAGE_MM) return { code: 'COVERAGE', reason: `its ${nz} slices cover ${Math.round(coverage)} mm from top to bottom; the lungs span about 250 mm, and the model needs at least ${MIN_COVERAGE_MM} mm of the chest` };
    const fov = Math.max(nx * dx, ny * dy);
    if (fov < CT_FOV_MM[0] || fov > CT_FOV_MM[1]) return { code: 'FIELD_OF_VIEW', reason: `its field of view is ${Math.round(nx * dx)} × ${Math.round(ny * dy)} mm; a chest CT covers about ${CT_FOV_MM[0]}–${CT_FOV_MM[1]} mm` };
  }
  const plane = nx * ny;
  let lung = 0;
  for (let z = 0; z < nz; z++) lung += lungVoxels(volume.data.subarray(z * plane, (z + 1) * plane), nx, ny);
  const share = lung / (plane * nz);
  const ml = (lung * dx * dy * dz) / 1000;
  if (share < MIN_LUNG_SHARE || (spacingKnown && ml < MIN_LUNG_ML)) {
    return { code: 'NO_LUNGS', reason: `no air-filled lungs were found (${spacingKnown ? `${Math.round(ml)} mL` : `${(share * 100).toFixed(1)} % of the volume`} of enclosed air below ${AIR_HU} HU; a chest CT has litres): this does not look like a chest CT` };
  }
  return undefined;
}

/** Below this top probability the answer is shown as uncertain (the model's probabilities are not calibrated yet). */
export const CT_CONFIDENT = 0.6;
