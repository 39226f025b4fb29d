// Cardiac MRI: one 10-slice 256×256 frame through the app's path, against bare session.run on the same slices.
import { writeNiftiLabels } from '../../io/nifti';
import { readVolume } from '../../io/readVolume';
import type { Volume } from '../../io/volume';
import { LoupeError } from '../../errors';
import { LOCATOR_SLICES, MRI_BATCH, measure } from '../../tasks/mri/core/pipeline';
import { MRI_MODEL_ID } from '../../tasks/mri/runner';
import type { MriWorkerApi } from '../../../workers/mri.worker';
import { phantomVolume, phantomVoxels } from '../core/phantom';
import { overhead, ratio, type Row } from '../core/report';
import { spread } from '../core/stats';
import { availableModel } from '../env';
import { startBenchWorker, startMriWorker, type Started } from '../workers';
import { interleaved, mriSlices, ortBuild, skipped, type ItemContext, type ItemOutcome } from './context';

/** The benchmark volume as NIfTI bytes (what a user drops) and as the Volume they decode to. */
export function benchVolumeFile(slices: number): { bytes: Uint8Array; volume: Volume; name: string } {
  const volume = phantomVolume({ nz: slices });
  return { bytes: writeNiftiLabels(phantomVoxels({ nz: slices }), volume, { gzip: false }), volume, name: 'bench-phantom.nii' };
}

const noImages = async (): Promise<never> => {
  throw new LoupeError('UNSUPPORTED_FILE', 'the benchmark volume is NIfTI');
};

export interface VolumeCall {
  /** Read → worker (preprocess, infer, postprocess per slice) → measures, on the main thread's clock. */
  ms: number;
  /** The worker's own time for segmentVolume. */
  workerMs: number;
  /** Slices our pipeline ran through the model (the heart locator's included). */
  inferences: number;
}

/** The app's path for a dropped NIfTI: read it, segment every slice in the worker, measure. */
export async function segmentOurs(mri: Started<MriWorkerApi>, file: { bytes: Uint8Array; name: string }): Promise<VolumeCall> {
  const t = performance.now();
  const volume = await readVolume([{ name: file.name, bytes: file.bytes }], noImages);
  const result = await mri.api.run(volume);
  if (!result.segmentation) throw new Error(`the MRI benchmark volume was refused: ${result.rejection.reason}`);
  measure(result.segmentation.labels, volume);
  return { ms: performance.now() - t, workerMs: result.inferMs, inferences: result.segmentation.inferences };
}

export async function mriVolume(ctx: ItemContext): Promise<ItemOutcome> {
  const available = await availableModel('mri', MRI_MODEL_ID);
  if (!available.ok) return skipped(available.reason);
  const file = benchVolumeFile(mriSlices(ctx.settings));
  ctx.progress('starting our MRI worker and the bare-session worker (WASM, 1 thread each)');
  const ours = ctx.pool.track(await startMriWorker({ preference: 'wasm', threads: 1 }));
  await ours.api.load();
  const bare = ctx.pool.track(await startBenchWorker(1));
  await bare.api.load('mri', MRI_MODEL_ID);
  const slices = await bare.api.setMriVolume(MRI_MODEL_ID, file.volume);
  if (!ctx.settings.quick) {
    ctx.progress('warm-up volume');
    await segmentOurs(ours, file);
    await bare.api.timeAllInputs(`mri/${MRI_MODEL_ID}`);
  }
  const { a, b } = await interleaved(ctx, 'ours vs bare session.run, one volume each', () => segmentOurs(ours, file), () => bare.api.timeAllInputs(`mri/${MRI_MODEL_ID}`));
  const oursMs = a.map((c) => c.ms);
  const workerMs = a.map((c) => c.workerMs);
  const perSecond = (ms: number[]) => ms.map((m) => (slices * 1000) / m);
  // Our pipeline first runs the model on a few middle slices to find the heart; it runs them again only when the heart
  // lies near the edge of the image-centred crop and the crop is re-centred.
  const inferences = Math.max(...a.map((c) => c.inferences));
  const locator = Math.min(LOCATOR_SLICES, slices);
  const bareSameCount = b.map((ms) => (ms * inferences) / slices);
  const rows: Row[] = [
    {
      measure: `volume latency, ${slices} slices 256×256`,
      a: { label: 'ours: read → worker → measures', unit: 'ms', value: spread(oursMs) },
      b: { label: `bare: ${slices} × session.run`, unit: 'ms', value: spread(b) },
      ratio: overhead('overhead: ours ÷ bare − 1', oursMs, b),
    },
    {
      measure: 'slices/s',
      a: { label: 'ours', unit: 'slices/s', value: spread(perSecond(oursMs)) },
      b: { label: 'bare', unit: 'slices/s', value: spread(perSecond(b)) },
      ratio: ratio('ours ÷ bare slices/s', perSecond(oursMs), perSecond(b)),
    },
    {
      measure: 'inside the worker only (segmentVolume)',
      a: { label: 'ours', unit: 'ms', value: spread(workerMs) },
      b: { label: 'bare', unit: 'ms', value: spread(b) },
      ratio: overhead('overhead without the read, the hop and the measures', workerMs, b),
    },
    {
      measure: `same, bare scaled to our ${inferences} inferences`,
      a: { label: 'ours', unit: 'ms', value: spread(workerMs) },
      b: { label: `bare × ${inferences}/${slices}`, unit: 'ms', value: spread(bareSameCount) },
      ratio: overhead('pre/post-processing overhead per inference', workerMs, bareSameCount),
    },
  ];
  return {
    status: 'ok',
    reps: a.length,
    rows,
    facts: {
      'both sides': ortBuild(await ctx.ort(), 1),
      model: `${available.manifest.name} (${MRI_MODEL_ID}), input ${available.manifest.preprocess?.cropSize ?? '?'}² at ${available.manifest.preprocess?.spacingMm ?? '?'} mm`,
      inferences: `ours ${inferences} slices through the model (${locator} in one run to locate the heart on the image-centred crop, ${inferences === slices ? 'kept as those slices\' segmentation, then the other slices' : 're-centred, then every slice'} in runs of up to ${MRI_BATCH}); bare ${slices} runs of 1 slice`,
      volume: `synthetic short-axis phantom, ${slices}×256×256 at 1.4×1.4×8 mm, uint8 NIfTI${ctx.settings.quick ? ' (quick run: 2 slices)' : ''}`,
    },
  };
}
