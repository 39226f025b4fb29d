// Chest CT: a 16×128×128 volume in HU through the app's path (the CT worker's classify, as the CT view calls it),
// against bare session.run of the same model on the same input tensor in the bench worker.
import { CT_SAMPLINGS } from '../../tasks/ct/core/classify';
import { CT_MODEL_ID } from '../../tasks/ct/runner';
import type { Volume } from '../../io/volume';
import type { CtResult } from '../../tasks/ct/core/classify';
import type { CtWorkerApi } from '../../../workers/ct.worker';
import { ctPhantomHu } from '../core/ctPhantom';
import { overhead, ratio, type Row } from '../core/report';
import { spread } from '../core/stats';
import { availableModel } from '../env';
import { Comlink, startBenchWorker, startCtWorker, type Started } from '../workers';
import { interleaved, ortBuild, skipped, type ItemContext, type ItemOutcome } from './context';

/** The benchmark volume: the model's own input size, so our path resamples nothing away (x, y, z). */
export const CT_BENCH_DIMS: [number, number, number] = [128, 128, 16];

/** The benchmark volume's voxels in HU (x fastest). */
export function ctBenchHu(): Float32Array {
  const [nx, ny, nz] = CT_BENCH_DIMS;
  return ctPhantomHu({ nx, ny, nz });
}

/** The benchmark volume as the CT view holds a scan (HU, 2.8 × 2.8 × 5 mm voxels). */
export function ctBenchVolume(): Volume {
  const [nx, ny, nz] = CT_BENCH_DIMS;
  const spacingMm: [number, number, number] = [2.8, 2.8, 5];
  return {
    data: ctBenchHu(),
    dims: [nx, ny, nz, 1],
    spacingMm,
    affine: [spacingMm[0], 0, 0, 0, 0, spacingMm[1], 0, 0, 0, 0, spacingMm[2], 0, 0, 0, 0, 1],
    source: { format: 'nifti', name: 'bench-ct-phantom' },
  };
}

export interface CtCall {
  /** Main thread: the volume to the worker → classification (CAMs included) back, ms. */
  ms: number;
  /** The worker's own time for classifyVolume (preprocessing, inference, CAM mapping), ms. */
  workerMs: number;
  /** Samplings the worker ran (patient-level average). */
  samplings: number;
  /** The classification (to compare backends). */
  result: Pick<CtResult, 'top' | 'probabilities'>;
}

/** One classification through our CT worker exactly as the CT view's classify() sends it. */
export async function classifyOurs(ct: Started<CtWorkerApi>, hu: Float32Array, dims: [number, number, number]): Promise<CtCall> {
  const t = performance.now();
  const [nx, ny, nz] = dims;
  const result = await ct.api.run(hu.subarray(0, nx * ny * nz), dims, Comlink.proxy(() => undefined));
  return { ms: performance.now() - t, workerMs: result.inferMs, samplings: result.samplings, result: { top: result.top, probabilities: result.probabilities } };
}

export async function ctVolume(ctx: ItemContext): Promise<ItemOutcome> {
  const available = await availableModel('ct', CT_MODEL_ID);
  if (!available.ok) return skipped(available.reason);
  const dims = CT_BENCH_DIMS;
  const hu = ctBenchHu();
  ctx.progress('starting our CT worker and the bare-session worker (WASM, 1 thread each)');
  const ours = ctx.pool.track(await startCtWorker({ preference: 'wasm', threads: 1 }));
  await ours.api.load();
  const bare = ctx.pool.track(await startBenchWorker(1));
  // A quick run times the first call of the bare session (ours was warmed up by the worker's load, as in the app).
  await bare.api.load('ct', CT_MODEL_ID, !ctx.settings.quick);
  const inputs = await bare.api.setCtVolume(CT_MODEL_ID, hu, dims);
  const key = `ct/${CT_MODEL_ID}`;
  if (!ctx.settings.quick) {
    ctx.progress('warm-up volume');
    await classifyOurs(ours, hu, dims);
    await bare.api.timeAllInputs(key);
  }
  const { a, b } = await interleaved(ctx, 'ours vs bare session.run, one volume each', () => classifyOurs(ours, hu, dims), () => bare.api.timeAllInputs(key));
  const oursMs = a.map((c) => c.ms);
  const workerMs = a.map((c) => c.workerMs);
  const samplings = a[0]?.samplings ?? 1;
  // Per second: our samplings (model inputs) against the bare worker's inputs, each over its own time.
  const oursRate = a.map((c) => (c.samplings * 1000) / c.ms);
  const bareRate = b.map((ms) => (inputs * 1000) / ms);
  const rows: Row[] = [
    {
      measure: `volume latency, ${dims[2]}×${dims[1]}×${dims[0]} HU`,
      a: { label: 'ours: volume → CT worker → result', unit: 'ms', value: spread(oursMs) },
      b: { label: `bare: ${inputs} × session.run`, unit: 'ms', value: spread(b) },
      ratio: overhead('overhead: ours ÷ bare − 1', oursMs, b),
    },
    {
      measure: 'samplings/s (model inputs per second)',
      a: { label: 'ours', unit: '/s', value: spread(oursRate) },
      b: { label: 'bare', unit: '/s', value: spread(bareRate) },
      ratio: ratio('ours ÷ bare samplings/s (< 1: ours slower)', oursRate, bareRate),
    },
    {
      measure: 'inside the worker only (classifyVolume)',
      a: { label: 'ours', unit: 'ms', value: spread(workerMs) },
      b: { label: 'bare', unit: 'ms', value: spread(b) },
      ratio: overhead('overhead without the hop (preprocessing, softmax, CAM onto the volume)', workerMs, b),
    },
  ];
  return {
    status: 'ok',
    reps: a.length,
    rows,
    facts: {
      'both sides': ortBuild(await ctx.ort(), 1),
      model: `${available.manifest.name} (${CT_MODEL_ID}), input [1, 1, 16, 128, 128], outputs ${available.manifest.outputs.map((o) => o.name).join(', ')}`,
      samplings: `ours ${samplings} (the CT view asks for ${CT_SAMPLINGS}; a 16-slice volume has one distinct 16-slice sampling); bare ${inputs}`,
      volume: `synthetic chest phantom in HU, ${dims[2]} slices of ${dims[1]}×${dims[0]}, sent as the CT view sends it (structured clone)`,
      'bare input': 'the same volume through the CT pipeline’s own sampling, HU normalisation and resize',
    },
  };
}
