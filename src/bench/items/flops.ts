// Compute bound: achieved GFLOP/s of each model (counted FLOPs ÷ bare session.run time) against a 1024³ MatMul.
import flopsJson from '../flops.json?raw';
import { CT_MODEL_ID } from '../../tasks/ct/runner';
import { CHAT_DEFAULT_MODEL } from '../../tasks/chat/models';
import { MRI_MODEL_ID } from '../../tasks/mri/runner';
import { parseFlopCounts, gflopsPerSecond } from '../core/flops';
import { fmtFlops } from '../core/format';
import { matmulFlops } from '../core/matmulModel';
import { phantomVolume } from '../core/phantom';
import { ratio, type Row } from '../core/report';
import { median, spread } from '../core/stats';
import { availableModel } from '../env';
import { pixelsOf } from '../frames';
import { startBenchWorker } from '../workers';
import { interleaved, ortBuild, type ItemContext, type ItemOutcome } from './context';
import { CT_BENCH_DIMS, ctBenchHu } from './ct';
import { GEMM_N } from './threads';

export const FLOP_COUNTS = parseFlopCounts(flopsJson);

interface Target {
  task: string;
  id: string;
  /** Runs per repetition (median taken). */
  runs: number;
}

export async function computeBound(ctx: ItemContext): Promise<ItemOutcome> {
  const { frames } = await ctx.frames();
  const smoke = ctx.settings.quick;
  // A quick run times one model of each task: the code path is the same for all.
  const targets: Target[] = [{ task: 'face', id: 'blazeface-short', runs: smoke ? 1 : 10 }, ...(smoke ? [] : [{ task: 'face', id: 'blazeface-full', runs: 5 }])];
  const rows: Row[] = [];
  const notes: Row[] = [];
  const mri = await availableModel('mri', MRI_MODEL_ID);
  if (mri.ok) targets.push({ task: 'mri', id: MRI_MODEL_ID, runs: smoke ? 1 : 3 });
  else notes.push({ measure: 'MRI', note: `skipped: ${mri.reason}` });
  const ct = await availableModel('ct', CT_MODEL_ID);
  // One CT inference is seconds of work: the quick run leaves it out (the CT item's smoke run covers its path).
  if (ct.ok && !smoke) targets.push({ task: 'ct', id: CT_MODEL_ID, runs: 2 });
  else if (!ct.ok) notes.push({ measure: 'CT', note: `skipped: ${ct.reason}` });
  const chat = await availableModel('chat', CHAT_DEFAULT_MODEL);
  if (chat.ok) targets.push({ task: 'chat', id: CHAT_DEFAULT_MODEL, runs: smoke ? 1 : 30 });
  else notes.push({ measure: 'chat', note: `skipped: ${chat.reason}` });

  ctx.progress('starting the bare-session worker (WASM, 1 thread)');
  const bare = ctx.pool.track(await startBenchWorker(1));
  const counted: (Target & { flops: number; stale: boolean })[] = [];
  for (const t of targets) {
    const key = `${t.task}/${t.id}`;
    const count = FLOP_COUNTS.models[key];
    if (!count) {
      notes.push({ measure: key, note: 'no FLOP count: run /usr/bin/python3 bench/flops.py' });
      continue;
    }
    // A language model needs all its inputs for the warm-up: it runs once the counted inputs are set.
    const { sha256 } = await bare.api.load(t.task, t.id, t.task !== 'chat');
    if (t.task === 'face') await bare.api.setFaceFrame(t.id as 'blazeface-short', pixelsOf(frames[0]));
    else if (t.task === 'mri') await bare.api.setMriVolume(t.id, phantomVolume({ nz: 1 }));
    else if (t.task === 'ct') await bare.api.setCtVolume(t.id, ctBenchHu(), CT_BENCH_DIMS);
    else if (count.inputs) {
      await bare.api.setCountedInputs(key, count.inputs);
      await bare.api.timeRuns(key, 1);
    } else {
      notes.push({ measure: key, note: 'the FLOP count has no input binding: run /usr/bin/python3 bench/flops.py' });
      continue;
    }
    counted.push({ ...t, flops: count.macFlops, stale: sha256 !== count.sha256 });
  }
  const gemmFlops = matmulFlops(GEMM_N);
  await bare.api.timeMatmul(GEMM_N, 1);

  const { a, b } = await interleaved(
    ctx,
    'models vs MatMul',
    async () => {
      const ms: number[] = [];
      for (const t of counted) ms.push(median(await bare.api.timeRuns(`${t.task}/${t.id}`, t.runs)));
      return ms;
    },
    async () => Math.min(...(await bare.api.timeMatmul(GEMM_N, smoke ? 1 : 2))),
  );
  const peak = b.map((ms) => gflopsPerSecond(gemmFlops, ms));
  counted.forEach((t, i) => {
    const achieved = a.map((ms) => gflopsPerSecond(t.flops, ms[i]));
    rows.push({
      measure: `${t.id}: ${fmtFlops(t.flops)} per ${t.task === 'chat' ? `decode step (1 token, ${FLOP_COUNTS.models[`${t.task}/${t.id}`]?.binding?.past_sequence_length ?? '?'} cached)` : 'inference'}${t.stale ? ' (STALE count: the model changed; rerun bench/flops.py)' : ''}`,
      a: { label: 'achieved', unit: 'GFLOP/s', value: spread(achieved) },
      b: { label: 'peak (MatMul)', unit: 'GFLOP/s', value: spread(peak) },
      ratio: ratio('achieved ÷ peak', achieved, peak),
    });
  });
  rows.push({ measure: `peak: ${GEMM_N}³ fp32 MatMul (${fmtFlops(gemmFlops)}), best of the repetition`, a: { label: 'peak', unit: 'GFLOP/s', value: spread(peak) } });
  return {
    status: 'ok',
    reps: a.length,
    rows: [...rows, ...notes],
    facts: { runtime: ortBuild(await ctx.ort(), 1), counted: FLOP_COUNTS.rules.macFlops, counts: FLOP_COUNTS.generatedBy },
  };
}
