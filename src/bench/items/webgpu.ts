// WebGPU vs WASM: correctness everywhere an adapter exists; timing only on a hardware adapter.
import type { Volume } from '../../io/volume';
import { CT_CLASSES } from '../../tasks/ct/core/classify';
import { CT_MODEL_ID } from '../../tasks/ct/runner';
import { CHAT_DEFAULT_MODEL } from '../../tasks/chat/models';
import { MRI_MODEL_ID } from '../../tasks/mri/runner';
import { fmtNumber } from '../core/format';
import { agreement, type Box } from '../core/match';
import { phantomVolume } from '../core/phantom';
import { ratio, type Row } from '../core/report';
import { median, spread } from '../core/stats';
import { probeWebGpuAdapter } from '../../runtime/webgpu';
import { availableModel } from '../env';
import { compareTokens, describeAgreement } from '../core/tokens';
import { startCtWorker, startFaceWorker, startMriWorker } from '../workers';
import { answerOurs, CHAT_BENCH_MESSAGES, chatBenchSettings, decodeRates, startOurChat } from './chat';
import { alternateFrames, detectOurs, interleaved, ortBuild, repeat, skipped, type ItemContext, type ItemOutcome } from './context';
import { classifyOurs, CT_BENCH_DIMS, ctBenchHu } from './ct';

const MODEL = 'blazeface-short';

/** WebGPU vs WASM time per repetition (hardware adapters only). */
function timeRow(measure: string, gpu: number[], wasm: number[]): Row {
  return {
    measure,
    a: { label: 'WebGPU', unit: 'ms', value: spread(gpu) },
    b: { label: 'WASM 1 thread', unit: 'ms', value: spread(wasm) },
    ratio: ratio('WebGPU ÷ WASM time (< 1: WebGPU faster)', gpu, wasm),
  };
}

/** Fraction of voxels with the same label. */
function labelAgreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export async function webgpuVsWasm(ctx: ItemContext): Promise<ItemOutcome> {
  const adapter = await probeWebGpuAdapter();
  if (!adapter) return skipped('no WebGPU adapter (navigator.gpu is missing or requestAdapter() returned null)');
  const { frames } = await ctx.frames();
  ctx.progress(`starting a WebGPU face worker on ${adapter.description}`);
  const gpu = ctx.pool.track(await startFaceWorker({ preference: 'webgpu', threads: 1 }));
  if (gpu.backend.ep !== 'webgpu') return skipped(`an adapter exists but the runtime chose WASM: ${gpu.backend.fallbackReason ?? 'no reason given'}`);
  const loaded = await gpu.api.load(MODEL);
  if (loaded.ep !== 'webgpu') return { ...skipped(`WebGPU session creation failed, the worker fell back to WASM: ${loaded.fallbackReason ?? ''}`), status: 'failed' };
  const wasm = ctx.pool.track(await startFaceWorker({ preference: 'wasm', threads: 1 }));
  await wasm.api.load(MODEL);

  ctx.progress('faces: the same frame on WebGPU and on WASM');
  const onGpu = await detectOurs(gpu, frames[0], MODEL);
  const onCpu = await detectOurs(wasm, frames[0], MODEL);
  const boxes = (faces: { box: Box; score: number }[]) => faces.filter((f) => f.score >= 0.5).map((f) => f.box);
  const g = agreement([boxes(onGpu.result.faces)], [boxes(onCpu.result.faces)]);
  const scoreDiff = onGpu.result.faces.length && onCpu.result.faces.length ? Math.abs(onGpu.result.faces[0].score - onCpu.result.faces[0].score) : Number.NaN;
  const facesOk = g.matched === g.facesA && g.matched === g.facesB && g.matched > 0 && g.meanIou > 0.95;
  const rows: Row[] = [
    {
      measure: 'faces 128²: WebGPU boxes vs WASM boxes, same frame',
      note: `${facesOk ? 'agree' : 'DISAGREE'}: ${g.matched}/${g.facesB} faces matched, mean IoU ${fmtNumber(g.meanIou)}, top score differs by ${fmtNumber(scoreDiff)}`,
    },
  ];
  let ok = facesOk;
  let reps = 1;

  if (!adapter.software) {
    const paired = await repeat(ctx, 'faces: WebGPU vs WASM, frame by frame', (rep) => alternateFrames(frames, rep, (f) => detectOurs(gpu, f, MODEL), (f) => detectOurs(wasm, f, MODEL), ctx.signal));
    const a = paired.map((p) => median(p.a.ms));
    const b = paired.map((p) => median(p.b.ms));
    reps = a.length;
    rows.push(timeRow('faces 128², per frame, our pipeline', a, b));
  } else {
    rows.push({ measure: 'timing', note: `software adapter, not timed (${adapter.description})` });
  }
  gpu.terminate();
  wasm.terminate();

  const mri = await availableModel('mri', MRI_MODEL_ID);
  if (mri.ok && adapter.software && ctx.settings.quick) {
    rows.push({ measure: 'MRI', note: 'not run in a quick run (seconds per slice on a software adapter)' });
  } else if (mri.ok) {
    // One slice is enough to check correctness (a software adapter takes seconds per slice).
    const volume: Volume = phantomVolume({ nz: adapter.software ? 1 : 10 });
    ctx.progress('MRI: the same slices on WebGPU and on WASM');
    const mGpu = ctx.pool.track(await startMriWorker({ preference: 'webgpu', threads: 1 }));
    const mLoaded = await mGpu.api.load();
    const mCpu = ctx.pool.track(await startMriWorker({ preference: 'wasm', threads: 1 }));
    await mCpu.api.load();
    if (mLoaded.ep !== 'webgpu') {
      rows.push({ measure: 'MRI', note: `WebGPU session failed, fell back to WASM: ${mLoaded.fallbackReason ?? ''}` });
      ok = false;
    } else {
      const lg = await mGpu.api.run(volume);
      const lc = await mCpu.api.run(volume);
      if (!lg.segmentation || !lc.segmentation) throw new Error('the MRI benchmark volume was refused');
      const same = labelAgreement(lg.segmentation.labels, lc.segmentation.labels);
      ok &&= same > 0.99;
      rows.push({ measure: `MRI labels, ${volume.dims[2]} slice(s): WebGPU vs WASM`, note: `${same > 0.99 ? 'agree' : 'DISAGREE'}: ${(same * 100).toFixed(2)} % of voxels have the same label` });
      if (!adapter.software) {
        const { a, b } = await interleaved(ctx, 'MRI: WebGPU vs WASM', async () => (await mGpu.api.run(volume)).inferMs, async () => (await mCpu.api.run(volume)).inferMs);
        rows.push(timeRow('MRI volume in the worker', a, b));
      }
    }
  } else {
    rows.push({ measure: 'MRI', note: `skipped: ${mri.reason}` });
  }

  const ct = await ctOnWebgpu(ctx, adapter.software);
  rows.push(...ct.rows);
  ok &&= ct.ok;

  const chat = await chatOnWebgpu(ctx, adapter.software);
  rows.push(...chat.rows);
  ok &&= chat.ok;

  return {
    status: ok ? 'ok' : 'failed',
    reason: ok ? undefined : 'WebGPU and WASM results disagree',
    reps,
    rows,
    facts: { adapter: adapter.description, ours: ortBuild(await ctx.ort(), 1, 'WebGPU (JSEP)') },
  };
}

/**
 * The CT model on one 16×128×128 volume through our CT worker on WebGPU and on WASM: the same top class and
 * probabilities within 1e-3 (a software adapter takes long on a 3D network: not in a quick run, not timed).
 */
async function ctOnWebgpu(ctx: ItemContext, software: boolean): Promise<{ ok: boolean; rows: Row[] }> {
  const available = await availableModel('ct', CT_MODEL_ID);
  if (!available.ok) return { ok: true, rows: [{ measure: 'CT', note: `skipped: ${available.reason}` }] };
  if (software && ctx.settings.quick) return { ok: true, rows: [{ measure: 'CT', note: 'not run in a quick run (a 3D network on a software adapter)' }] };
  ctx.progress('CT: the same volume on WebGPU and on WASM');
  const hu = ctBenchHu();
  const gpu = ctx.pool.track(await startCtWorker({ preference: 'webgpu', threads: 1 }));
  const cpu = ctx.pool.track(await startCtWorker({ preference: 'wasm', threads: 1 }));
  try {
    const loaded = await gpu.api.load();
    await cpu.api.load();
    if (gpu.backend.ep !== 'webgpu') return { ok: false, rows: [{ measure: 'CT', note: `no WebGPU runtime: ${gpu.backend.fallbackReason ?? ''}` }] };
    // The WebGPU provider may not run every kernel of a 3D network: the worker then falls back to WASM (and says so).
    const onGpu = loaded.backend.ep === 'webgpu';
    const { result: g } = await classifyOurs(gpu, hu, CT_BENCH_DIMS);
    const { result: c } = await classifyOurs(cpu, hu, CT_BENCH_DIMS);
    const diff = Math.max(...CT_CLASSES.map((k) => Math.abs(g.probabilities[k] - c.probabilities[k])));
    const same = g.top === c.top && diff < 1e-3;
    const agreement = `${same ? 'agree' : 'DISAGREE'}: top class ${g.top} vs ${c.top}, probabilities differ by at most ${fmtNumber(diff)}`;
    const name = `CT, ${CT_BENCH_DIMS[2]}×${CT_BENCH_DIMS[1]}×${CT_BENCH_DIMS[0]} HU`;
    if (!onGpu) return { ok: same, rows: [{ measure: `${name}: WebGPU requested`, note: `the CT worker fell back to WASM (${loaded.backend.fallbackReason ?? 'no reason given'}); its result vs WASM: ${agreement}` }] };
    const rows: Row[] = [{ measure: `${name}: WebGPU vs WASM`, note: agreement }];
    if (!software) {
      const { a, b } = await interleaved(ctx, 'CT: WebGPU vs WASM', async () => (await classifyOurs(gpu, hu, CT_BENCH_DIMS)).workerMs, async () => (await classifyOurs(cpu, hu, CT_BENCH_DIMS)).workerMs);
      rows.push(timeRow('CT volume in the worker', a, b));
    }
    return { ok: same, rows };
  } finally {
    gpu.terminate();
    cpu.terminate();
  }
}

/**
 * The default chat model's greedy answer through our chat worker on WebGPU and on WASM: the generated tokens must be
 * the same (else the first differing position is reported). Timed only on a hardware adapter. A 2.2M model with a
 * few tokens is cheap even on a software adapter, so a quick run checks it too (4 tokens).
 */
async function chatOnWebgpu(ctx: ItemContext, software: boolean): Promise<{ ok: boolean; rows: Row[] }> {
  const available = await availableModel('chat', CHAT_DEFAULT_MODEL);
  if (!available.ok) return { ok: true, rows: [{ measure: 'chat', note: `skipped: ${available.reason}` }] };
  ctx.progress(`chat (${CHAT_DEFAULT_MODEL}): the same greedy answer on WebGPU and on WASM`);
  const gpu = await startOurChat(ctx, { preference: 'webgpu', threads: 1 });
  const cpu = await startOurChat(ctx, { preference: 'wasm', threads: 1 });
  try {
    if (gpu.backend.ep !== 'webgpu') return { ok: false, rows: [{ measure: 'chat', note: `WebGPU session failed, fell back to WASM: ${gpu.backend.fallbackReason ?? ''}` }] };
    const settings = chatBenchSettings(ctx.settings.quick);
    const onGpu = await answerOurs(gpu, CHAT_BENCH_MESSAGES, settings);
    const onCpu = await answerOurs(cpu, CHAT_BENCH_MESSAGES, settings);
    const g = compareTokens(onGpu.tokens, onCpu.tokens);
    const rows: Row[] = [
      {
        measure: `chat (${CHAT_DEFAULT_MODEL}): greedy tokens, WebGPU vs WASM, at most ${settings.maxNewTokens}`,
        note: `${g.identical ? 'agree' : 'DISAGREE'}: ${describeAgreement(g, 'WebGPU', 'WASM')}`,
      },
    ];
    if (!software) {
      const { a, b } = await interleaved(ctx, 'chat: WebGPU vs WASM, one answer each', () => answerOurs(gpu, CHAT_BENCH_MESSAGES, settings), () => answerOurs(cpu, CHAT_BENCH_MESSAGES, settings));
      const ra = decodeRates(a);
      const rb = decodeRates(b);
      if ([...ra, ...rb].every(Number.isFinite)) {
        rows.push({
          measure: 'chat: decode tokens/s (after the first token), our chat worker',
          a: { label: 'WebGPU', unit: 'tok/s', value: spread(ra) },
          b: { label: 'WASM 1 thread', unit: 'tok/s', value: spread(rb) },
          ratio: ratio('WebGPU ÷ WASM tokens/s (> 1: WebGPU faster)', ra, rb),
        });
      } else {
        rows.push({ measure: 'chat: decode tokens/s', note: 'not measured: an answer had fewer than 2 tokens' });
      }
    }
    return { ok: g.identical, rows };
  } finally {
    gpu.terminate();
    cpu.terminate();
  }
}
