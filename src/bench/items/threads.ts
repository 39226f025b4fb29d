// WASM threads: each model through our pipeline with 1 and with 2 runtime threads, alternating.
import { CT_MODEL_ID } from '../../tasks/ct/runner';
import { FACE_MODELS, FACE_MODEL_IDS, type FaceModelId } from '../../tasks/face/core/models';
import { CHAT_DEFAULT_MODEL } from '../../tasks/chat/models';
import { MRI_MODEL_ID } from '../../tasks/mri/runner';
import { ratio, type Row } from '../core/report';
import { median, spread } from '../core/stats';
import { availableModel } from '../env';
import { compareTokens, describeAgreements } from '../core/tokens';
import { startBenchWorker, startCtWorker, startFaceWorker, startMriWorker } from '../workers';
import { answerOurs, CHAT_BENCH_MESSAGES, chatBenchSettings, decodeRates, startOurChat, ttfts } from './chat';
import { alternateFrames, detectOurs, interleaved, repeat, skipped, type ItemContext, type ItemOutcome } from './context';
import { classifyOurs, CT_BENCH_DIMS, ctBenchHu } from './ct';
import { benchVolumeFile, segmentOurs } from './mri';

export const GEMM_N = 1024;
/** The MRI comparison uses a shorter stack and at most this many repetitions: each volume takes seconds per side. */
export const THREADS_MRI_SLICES = 4;
export const THREADS_MRI_REPS = 5;

function row(measure: string, one: number[], two: number[]): Row {
  return {
    measure,
    a: { label: '1 thread', unit: 'ms', value: spread(one) },
    b: { label: '2 threads', unit: 'ms', value: spread(two) },
    ratio: ratio('2 threads ÷ 1 thread, time (< 1: threads help)', two, one),
  };
}

export async function threads(ctx: ItemContext): Promise<ItemOutcome> {
  if (!self.crossOriginIsolated) return skipped('the page is not cross-origin isolated: WASM runs with 1 thread only');
  if ((navigator.hardwareConcurrency ?? 1) < 2) return skipped('this machine reports 1 logical core');
  const { frames } = await ctx.frames();
  const rows: Row[] = [];
  let reps = 0;

  for (const id of (ctx.settings.quick ? ['blazeface-short'] : FACE_MODEL_IDS) as FaceModelId[]) {
    ctx.progress(`${id}: starting 1- and 2-thread face workers`);
    const one = ctx.pool.track(await startFaceWorker({ preference: 'wasm', threads: 1 }));
    const two = ctx.pool.track(await startFaceWorker({ preference: 'wasm', threads: 2 }));
    if (two.backend.threads !== 2) return skipped(`asked for 2 threads, the runtime gave ${two.backend.threads}`);
    await one.api.load(id);
    await two.api.load(id);
    await detectOurs(one, frames[0], id);
    await detectOurs(two, frames[0], id);
    const paired = await repeat(ctx, `${id}: 1 vs 2 threads, frame by frame`, (rep) => alternateFrames(frames, rep, (f) => detectOurs(one, f, id), (f) => detectOurs(two, f, id), ctx.signal));
    rows.push(row(`faces ${FACE_MODELS[id].inputSize}² (${id}), per frame, our pipeline`, paired.map((p) => median(p.a.ms)), paired.map((p) => median(p.b.ms))));
    reps = paired.length;
    one.terminate();
    two.terminate();
  }

  const mri = await availableModel('mri', MRI_MODEL_ID);
  if (mri.ok && ctx.settings.quick) {
    rows.push({ measure: 'MRI volume', note: 'not run in a quick run' });
  } else if (mri.ok) {
    ctx.progress('MRI: starting 1- and 2-thread MRI workers');
    const file = benchVolumeFile(THREADS_MRI_SLICES);
    const one = ctx.pool.track(await startMriWorker({ preference: 'wasm', threads: 1 }));
    const two = ctx.pool.track(await startMriWorker({ preference: 'wasm', threads: 2 }));
    await one.api.load();
    await two.api.load();
    const { a, b } = await interleaved(
      ctx,
      'MRI: 1 vs 2 threads',
      () => segmentOurs(one, file).then((c) => c.ms),
      () => segmentOurs(two, file).then((c) => c.ms),
      Math.min(ctx.settings.reps, THREADS_MRI_REPS),
    );
    rows.push(row(`MRI volume, ${file.volume.dims[2]} slices, our pipeline`, a, b));
    one.terminate();
    two.terminate();
  } else {
    rows.push({ measure: 'MRI volume', note: `skipped: ${mri.reason}` });
  }

  rows.push(...(await ctThreads(ctx)));
  rows.push(...(await chatThreads(ctx)));

  ctx.progress(`${GEMM_N}³ MatMul: starting 1- and 2-thread bare workers`);
  const one = ctx.pool.track(await startBenchWorker(1));
  const two = ctx.pool.track(await startBenchWorker(2));
  const gemm = (w: typeof one) => w.api.timeMatmul(GEMM_N, ctx.settings.quick ? 1 : 2).then((ms) => Math.min(...ms));
  const { a, b } = await interleaved(ctx, `${GEMM_N}³ MatMul: 1 vs 2 threads`, () => gemm(one), () => gemm(two));
  rows.push(row(`${GEMM_N}³ fp32 MatMul, bare session.run (best of ${ctx.settings.quick ? 1 : 2})`, a, b));
  return { status: 'ok', reps, rows, facts: { pipeline: 'WASM; each side its own worker and runtime instance', 'frames per repetition': frames.length } };
}

/** The CT model through our CT worker, 1 vs 2 threads, one 16×128×128 volume per side (A/B, then B/A); not in a quick run. */
async function ctThreads(ctx: ItemContext): Promise<Row[]> {
  const available = await availableModel('ct', CT_MODEL_ID);
  if (!available.ok) return [{ measure: 'CT volume', note: `skipped: ${available.reason}` }];
  if (ctx.settings.quick) return [{ measure: 'CT volume', note: 'not run in a quick run' }];
  ctx.progress('CT: starting 1- and 2-thread CT workers');
  const hu = ctBenchHu();
  const one = ctx.pool.track(await startCtWorker({ preference: 'wasm', threads: 1 }));
  const two = ctx.pool.track(await startCtWorker({ preference: 'wasm', threads: 2 }));
  try {
    await one.api.load();
    await two.api.load();
    const { a, b } = await interleaved(
      ctx,
      'CT: 1 vs 2 threads',
      () => classifyOurs(one, hu, CT_BENCH_DIMS).then((c) => c.ms),
      () => classifyOurs(two, hu, CT_BENCH_DIMS).then((c) => c.ms),
      Math.min(ctx.settings.reps, THREADS_MRI_REPS),
    );
    return [row(`CT volume, ${CT_BENCH_DIMS[2]}×${CT_BENCH_DIMS[1]}×${CT_BENCH_DIMS[0]} HU, our pipeline`, a, b)];
  } finally {
    one.terminate();
    two.terminate();
  }
}

/**
 * The default chat model through our chat worker with 1 and with 2 threads: the same greedy answer, answer by answer
 * (A/B, then B/A). Cheap (a 2.2M model), so a quick run does it too, with its 4-token answers.
 */
async function chatThreads(ctx: ItemContext): Promise<Row[]> {
  const available = await availableModel('chat', CHAT_DEFAULT_MODEL);
  if (!available.ok) return [{ measure: 'chat', note: `skipped: ${available.reason}` }];
  ctx.progress(`chat (${CHAT_DEFAULT_MODEL}): starting 1- and 2-thread chat workers`);
  const one = await startOurChat(ctx, { preference: 'wasm', threads: 1 });
  const two = await startOurChat(ctx, { preference: 'wasm', threads: 2 });
  try {
    if (two.backend.threads !== 2) return [{ measure: 'chat', note: `skipped: asked for 2 threads, the runtime gave ${two.backend.threads}` }];
    const settings = chatBenchSettings(ctx.settings.quick);
    if (!ctx.settings.quick) {
      ctx.progress('chat: warm-up answer on each side');
      await answerOurs(one, CHAT_BENCH_MESSAGES, settings);
      await answerOurs(two, CHAT_BENCH_MESSAGES, settings);
    }
    const { a, b } = await interleaved(ctx, 'chat: 1 vs 2 threads, one answer each', () => answerOurs(one, CHAT_BENCH_MESSAGES, settings), () => answerOurs(two, CHAT_BENCH_MESSAGES, settings));
    const name = `chat (${CHAT_DEFAULT_MODEL}), greedy answer of at most ${settings.maxNewTokens} tokens, our chat worker`;
    const rows: Row[] = [];
    const rateA = decodeRates(a);
    const rateB = decodeRates(b);
    if ([...rateA, ...rateB].every(Number.isFinite)) {
      rows.push({
        measure: `${name}: decode tokens/s (after the first token)`,
        a: { label: '1 thread', unit: 'tok/s', value: spread(rateA) },
        b: { label: '2 threads', unit: 'tok/s', value: spread(rateB) },
        ratio: ratio('2 threads ÷ 1 thread, tokens/s (> 1: threads help)', rateB, rateA),
      });
    } else {
      rows.push({ measure: `${name}: decode tokens/s`, note: 'not measured: an answer had fewer than 2 tokens' });
    }
    rows.push(row(`${name}: time to first token`, ttfts(a), ttfts(b)));
    rows.push({ measure: 'chat: generated tokens, 1 vs 2 threads', note: describeAgreements(a.map((x, i) => compareTokens(x.tokens, b[i].tokens)), '1 thread', '2 threads') });
    return rows;
  } finally {
    one.terminate();
    two.terminate();
  }
}
