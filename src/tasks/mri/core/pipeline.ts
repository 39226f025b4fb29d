import { throwIfAborted } from '../../../errors';
import { sliceOf, type Volume } from '../../../io/volume';
import { sliceAreasMm2, suggestEdEs, volumesMl, type PerStructure } from './measures';
import { checkInput, cleanVolume, judgeHeart, scoreHeart, type HeartScore, type Rejection } from './anatomy';
import { labelsOnSource } from './postprocess';
import { DFNET_PREPROCESS, sliceGrid, toModelInput, type MriPreprocess } from './preprocess';
import { sourceToModel, type SliceGrid } from './grid';

/**
 * Runs the segmentation model on preprocessed slices, as one batch (the model has a dynamic batch axis); one output
 * per input, in order. Injected so this stays free of ONNX Runtime.
 */
export type RunMriModel = (inputs: Float32Array[], size: number) => Promise<{ logits: Float32Array; df: Float32Array }[]>;

/** Slices per model run while segmenting: fewer runs (and, on WebGPU, dispatches); Cancel is checked between batches. */
export const MRI_BATCH = 4;

export interface Segmentation {
  /** Labels 0–3 with the volume's layout and dims (x fastest, then y, z, t), anatomically cleaned unless asked not to. */
  labels: Uint8Array;
  /** Whether the labels look like one heart (see `anatomy.ts`), and the refusal when they do not. */
  heart: HeartScore;
  rejection?: Rejection;
  /** The direction field of every slice on the model grid, [2, size, size] each, index t * nz + z. */
  fields: Float32Array[];
  grid: SliceGrid;
  /** Slices through the model, the locator's included (as many as slices when the locator's crop was kept). */
  inferences: number;
}

export interface SegmentOptions {
  preprocess?: MriPreprocess;
  /** Anatomical clean-up of the labels (one LV pool in its ring, RV at the septum, no specks); default on. */
  postprocess?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Checked before every batch of slices; once aborted the run stops with an ABORTED error. */
  signal?: AbortSignal;
  /** Slices per model run (default MRI_BATCH). */
  batch?: number;
}

/** Middle slices of the first frame used to find the heart before cropping around it. */
export const LOCATOR_SLICES = 3;

/**
 * Model pixels of room the heart must leave at every edge of the image-centred crop for that crop to be kept: then
 * the locator's runs are the segmentation of its slices, and no slice runs twice.
 */
export const KEEP_MARGIN_PX = 12;

/** A slice's model output, and its labels on the source grid. */
type SliceOutput = { logits: Float32Array; df: Float32Array; labels: Uint8Array };

export interface HeartLocation {
  /** Centroid (source pixels) of everything the model labels as heart on the locator slices; undefined when none. */
  centre?: [number, number];
  /**
   * The grid every slice is segmented on: the image-centred one when the heart lies inside it with `KEEP_MARGIN_PX`
   * to spare (or when no heart was found), else one centred on the heart.
   */
  grid: SliceGrid;
  /** The locator's outputs by slice index (frame 0) when its grid is kept, so those slices are not run again. */
  kept: Map<number, SliceOutput>;
  /** Model runs the locator made. */
  runs: number;
}

/**
 * Where the heart is: one pass (one batch) over a few middle slices of the first frame, cropped around the image centre. A heart
 * near the crop's edge gets a crop centred on it (a heart away from the image centre is not cut off); otherwise the
 * centred crop stays and its outputs are kept for the segmentation.
 */
export async function locateHeart(volume: Volume, run: RunMriModel, preprocess: MriPreprocess = DFNET_PREPROCESS): Promise<HeartLocation> {
  const [nx, ny, nz] = volume.dims;
  const centred = sliceGrid(nx, ny, volume.spacingMm[0], volume.spacingMm[1], preprocess);
  const first = Math.max(0, Math.floor(nz / 2) - Math.floor(LOCATOR_SLICES / 2));
  const outputs = new Map<number, SliceOutput>();
  let sx = 0;
  let sy = 0;
  let n = 0;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  const zs = Array.from({ length: Math.min(nz, first + LOCATOR_SLICES) - first }, (_, i) => first + i);
  const results = await run(zs.map((z) => toModelInput(sliceOf(volume, z, 0), centred)), centred.size);
  for (const [i, z] of zs.entries()) {
    const output = results[i];
    const labels = labelsOnSource(output.logits, centred);
    outputs.set(z, { ...output, labels });
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === 0) continue;
      const x = i % nx;
      const y = Math.floor(i / nx);
      sx += x + 0.5;
      sy += y + 0.5;
      n++;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  if (n === 0) return { grid: centred, kept: outputs, runs: outputs.size };
  const centre: [number, number] = [sx / n, sy / n];
  const [u0, v0] = sourceToModel(centred, minX, minY);
  const [u1, v1] = sourceToModel(centred, maxX, maxY);
  const inside = (a: number) => a >= KEEP_MARGIN_PX && a <= centred.size - 1 - KEEP_MARGIN_PX;
  if ([u0, v0, u1, v1].every(inside)) return { centre, grid: centred, kept: outputs, runs: outputs.size };
  return { centre, grid: sliceGrid(nx, ny, volume.spacingMm[0], volume.spacingMm[1], preprocess, ...centre), kept: new Map(), runs: outputs.size };
}

/**
 * Segments every slice of every frame, `batch` slices per model run, mapping each result back to the source grid, on
 * the crop `locateHeart` chose (reusing its runs when it kept the centred crop).
 */
export async function segmentVolume(volume: Volume, run: RunMriModel, { preprocess = DFNET_PREPROCESS, postprocess = true, onProgress, signal, batch = MRI_BATCH }: SegmentOptions = {}): Promise<Segmentation> {
  const [nx, ny, nz, nt] = volume.dims;
  const { grid, kept, runs } = await locateHeart(volume, run, preprocess);
  const labels = new Uint8Array(nx * ny * nz * nt);
  const fields: Float32Array[] = [];
  const total = nz * nt;
  let inferences = runs;
  // Slices in order (index t * nz + z); those the locator already ran are taken as they are, the others run in batches.
  let done = 0;
  const take = (slice: SliceOutput) => {
    labels.set(slice.labels, done * nx * ny);
    fields.push(slice.df);
    done++;   // not inside onProgress?.(…): an absent callback would skip its arguments
    onProgress?.(done, total);
  };
  while (done < total) {
    throwIfAborted(signal, `stopped after ${done} of ${total} slices`);
    const first = done < nz ? kept.get(done) : undefined;
    if (first) {
      take(first);
      continue;
    }
    const todo: number[] = [];
    for (let i = done; i < total && todo.length < batch && !(i < nz && kept.has(i)); i++) todo.push(i);
    const outputs = await run(todo.map((i) => toModelInput(sliceOf(volume, i % nz, Math.floor(i / nz)), grid)), grid.size);
    inferences += todo.length;
    for (const { logits, df } of outputs) take({ logits, df, labels: labelsOnSource(logits, grid) });
  }
  const cleaned = cleanVolume(labels, volume.dims, volume.spacingMm);
  const heart = scoreHeart(labels, cleaned, volume.dims, volume.spacingMm);
  return { labels: postprocess ? cleaned : labels, fields, grid, heart, rejection: judgeHeart(heart), inferences };
}

/** What the MRI task answers for a volume: a segmentation, or a refusal with its reason (and no measurements). */
export type MriAnalysis = { segmentation: Segmentation; rejection?: undefined } | { rejection: Rejection; segmentation?: undefined };

/**
 * The MRI task's answer: input rules first (modality, field of view, pixel size), then the model, then the model-based
 * check (one LV pool inside one ring); a refused input gets its reason and nothing else.
 */
export async function analyseVolume(volume: Volume, run: RunMriModel, options: SegmentOptions = {}): Promise<MriAnalysis> {
  const early = checkInput(volume);
  if (early) return { rejection: early };
  const segmentation = await segmentVolume(volume, run, options);
  return segmentation.rejection ? { rejection: segmentation.rejection } : { segmentation };
}

export interface MriMeasures {
  /** Areas per frame and slice, mm²: areasMm2[t][z]. */
  areasMm2: PerStructure[][];
  /** Volumes per frame, mL. */
  volumesMl: PerStructure[];
  /** Suggested end-diastolic and end-systolic frames (largest / smallest LV volume). */
  suggested: { ed: number; es: number };
}

export function measure(labels: Uint8Array, volume: Pick<Volume, 'dims' | 'spacingMm'>): MriMeasures {
  const [nx, ny, nz, nt] = volume.dims;
  const [dx, dy, dz] = volume.spacingMm;
  const plane = nx * ny;
  const areasMm2 = Array.from({ length: nt }, (_, t) => Array.from({ length: nz }, (_, z) => sliceAreasMm2(labels.subarray((t * nz + z) * plane, (t * nz + z + 1) * plane), dx, dy)));
  const volumes = areasMm2.map((frame) => volumesMl(frame, dz));
  return { areasMm2, volumesMl: volumes, suggested: suggestEdEs(volumes.map((v) => v.LV)) };
}
