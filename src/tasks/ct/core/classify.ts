import { softmax } from '../../../core/math';
import { throwIfAborted } from '../../../errors';
import { resizeTrilinear, sampleSliceIndices, toModelInput, CT_INPUT } from './preprocess';

export const CT_CLASSES = ['healthy', 'covid19', 'viral', 'bacterial'] as const;
export type CtClass = (typeof CT_CLASSES)[number];

/** Samplings averaged per patient (UCADI averages several). */
export const CT_SAMPLINGS = 3;

/** Runs the classifier on one [16,128,128] input; injected so this stays free of ONNX Runtime. */
export type RunCtModel = (input: Float32Array) => Promise<{ logits: Float32Array; cam?: Float32Array }>;

export interface CtResult {
  probabilities: Record<CtClass, number>;
  top: CtClass;
  /** Per class, the CAM on the volume's own grid ([nz, ny, nx], x fastest), averaged over samplings; 0 where no sampling looked. */
  cam?: Float32Array[];
  samplings: number;
}

export interface ClassifyOptions {
  /** Samplings averaged for the patient-level result (the paper averages several). */
  samplings?: number;
  onProgress?: (done: number, total: number) => void;
  /** Checked before every sampling; once aborted the run stops with an ABORTED error. */
  signal?: AbortSignal;
}

/**
 * Patient-level classification: several 16-slice samplings spread over the volume, class probabilities
 * averaged; each sampling's CAM is mapped back onto the slices it came from and averaged there.
 */
export async function classifyVolume(hu: Float32Array, dims: [number, number, number], run: RunCtModel, { samplings = CT_SAMPLINGS, onProgress, signal }: ClassifyOptions = {}): Promise<CtResult> {
  const [nx, ny, nz] = dims;
  const sums = new Array<number>(CT_CLASSES.length).fill(0);
  let cam: Float32Array[] | undefined;
  let coverage: Float32Array | undefined;
  const plans = Array.from({ length: samplings }, (_, k) => sampleSliceIndices(nz, k, samplings));
  const unique = plans.filter((p, i) => plans.findIndex((q) => q.join() === p.join()) === i);
  for (const [k, indices] of unique.entries()) {
    throwIfAborted(signal, `stopped after ${k} of ${unique.length} samplings`);
    const { logits, cam: sampledCam } = await run(toModelInput(hu, dims, indices));
    softmax(logits).forEach((p, c) => (sums[c] += p));
    if (sampledCam) {
      cam ??= CT_CLASSES.map(() => new Float32Array(nx * ny * nz));
      coverage ??= new Float32Array(nz);
      addCamToVolume(sampledCam, indices, dims, cam, coverage);
    }
    onProgress?.(k + 1, unique.length);
  }
  if (cam && coverage) {
    const plane = nx * ny;
    for (const c of cam) for (let z = 0; z < nz; z++) if (coverage[z] > 0) for (let i = 0; i < plane; i++) c[z * plane + i] /= coverage[z];
  }
  const probs = sums.map((s) => s / unique.length);
  const probabilities = Object.fromEntries(CT_CLASSES.map((c, i) => [c, probs[i]])) as Record<CtClass, number>;
  const top = CT_CLASSES[probs.indexOf(Math.max(...probs))];
  return { probabilities, top, cam, samplings: unique.length };
}

/**
 * Maps one sampling's CAM ([4, 16, 128, 128]) onto the volume: resize to [n, ny, nx] where n = the slices
 * sampled, then add each slice to the volume slice it came from.
 */
export function addCamToVolume(sampled: Float32Array, indices: number[], [nx, ny]: [number, number, number], into: Float32Array[], coverage: Float32Array): void {
  const [D, H, W] = CT_INPUT;
  const size = D * H * W;
  const plane = nx * ny;
  into.forEach((volume, c) => {
    const onGrid = resizeTrilinear(sampled.subarray(c * size, (c + 1) * size), [D, H, W], [indices.length, ny, nx]);
    indices.forEach((z, j) => {
      for (let i = 0; i < plane; i++) volume[z * plane + i] += onGrid[j * plane + i];
    });
  });
  for (const z of indices) coverage[z] += 1;
}

/** The voxel [x, y, z] where a CAM peaks. */
export function camPeak(cam: Float32Array, [nx, ny]: [number, number, number]): [number, number, number] {
  let best = 0;
  for (let i = 1; i < cam.length; i++) if (cam[i] > cam[best]) best = i;
  return [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))];
}
