// Faces: our live pipeline against MediaPipe, and against a bare session.run on the same tensor.
import { agreement, type Box } from '../core/match';
import { overhead, ratio, type Row } from '../core/report';
import { median, percentile, spread } from '../core/stats';
import { fmtNumber } from '../core/format';
import { pixelsOf } from '../frames';
import type { MediaPipeFaces } from '../peers/mediapipe';
import { loadMediaPipePeer, PEERS_BUILT, PEERS_MISSING } from '../peers/load';
import { startBenchWorker, startFaceWorker } from '../workers';
import { alternateFrames, detectOurs, framesPerSecond, ortBuild, repeat, skipped, type Block, type FaceCall, type ItemContext, type ItemOutcome } from './context';

const MODEL = 'blazeface-short';
/** MediaPipe's default minDetectionConfidence; our faces below it are left out of the agreement. */
const AGREEMENT_SCORE = 0.5;

const perRep = <T>(blocks: Block<T>[], f: (ms: number[]) => number) => blocks.map((b) => f(b.ms));
const fps = framesPerSecond;

/** The worker hop of one call: its round trip less the stages the worker timed (the bitmap, postMessage both ways). */
const hopMs = (c: FaceCall) => c.ms - c.result.times.preMs - c.result.times.inferMs - c.result.times.postMs;

/** Our per-frame time split into stages (medians over every frame of every repetition), for the facts. */
function stageMedians(blocks: Block<FaceCall>[]): string {
  const calls = blocks.flatMap((b) => b.results);
  const m = (f: (c: FaceCall) => number) => median(calls.map(f)).toFixed(2);
  const t = (c: FaceCall) => c.result.times;
  return `round trip ${m((c) => c.ms)}, pre ${m((c) => t(c).preMs)}, model ${m((c) => t(c).inferMs)}, post ${m((c) => t(c).postMs)}, hop ${m(hopMs)}`;
}

export async function facesVsMediaPipe(ctx: ItemContext): Promise<ItemOutcome> {
  if (!PEERS_BUILT) return skipped(PEERS_MISSING);
  const { frames, source } = await ctx.frames();
  ctx.progress('starting our face worker (WASM, 1 thread) and MediaPipe');
  const ours = ctx.pool.track(await startFaceWorker({ preference: 'wasm', threads: 1 }));
  await ours.api.load(MODEL);
  const ort = await ctx.ort();
  const { MEDIAPIPE_VERSION, startMediaPipe } = await loadMediaPipePeer();
  let mp: MediaPipeFaces;
  try {
    mp = await startMediaPipe();
  } catch (error) {
    // The studio's Content-Security-Policy forbids eval; `npm run bench` serves its own build with it for this peer.
    if ((error as Error).name === 'EvalError') return skipped(`MediaPipe's WASM loader evaluates code, which this page's Content-Security-Policy forbids (it is allowed in \`npm run bench\`'s own build): ${(error as Error).message}`);
    throw error;
  }
  try {
    // Warm-up outside the timed blocks: first-call allocations, MediaPipe's graph start.
    for (const frame of frames.slice(0, 2)) {
      await detectOurs(ours, frame, MODEL);
      await mp.detect(frame);
    }
    const reps = await repeat(ctx, 'ours vs MediaPipe, frame by frame', (rep) => alternateFrames(frames, rep, (f) => detectOurs(ours, f, MODEL), (f) => mp.detect(f), ctx.signal));
    const a = reps.map((r) => r.a);
    const b = reps.map((r) => r.b);
    const oursBoxes: Box[][] = a.flatMap((blk) => blk.results.map((r) => r.result.faces.filter((f) => f.score >= AGREEMENT_SCORE).map((f) => f.box)));
    const mpBoxes: Box[][] = b.flatMap((blk) => blk.results.map((r) => r.boxes));
    const g = agreement(oursBoxes, mpBoxes);
    const p50 = (ms: number[]) => median(ms);
    const p95 = (ms: number[]) => percentile(ms, 95);
    const rows: Row[] = [
      {
        measure: 'frames/s, one frame in flight',
        a: { label: 'ours', unit: 'fps', value: spread(a.map(fps)) },
        b: { label: 'MediaPipe', unit: 'fps', value: spread(b.map(fps)) },
        ratio: ratio('ours ÷ MediaPipe frames/s (> 1: ours faster)', a.map(fps), b.map(fps)),
      },
      {
        measure: 'per-frame latency p50',
        a: { label: 'ours', unit: 'ms', value: spread(perRep(a, p50)) },
        b: { label: 'MediaPipe', unit: 'ms', value: spread(perRep(b, p50)) },
        ratio: ratio('ours ÷ MediaPipe (< 1: ours faster)', perRep(a, p50), perRep(b, p50)),
      },
      {
        measure: 'per-frame latency p95',
        a: { label: 'ours', unit: 'ms', value: spread(perRep(a, p95)) },
        b: { label: 'MediaPipe', unit: 'ms', value: spread(perRep(b, p95)) },
        ratio: ratio('ours ÷ MediaPipe (< 1: ours faster)', perRep(a, p95), perRep(b, p95)),
      },
      {
        measure: 'box agreement',
        note: `mean IoU ${fmtNumber(g.meanIou)} (min ${fmtNumber(g.minIou)}) over ${g.matched} matched faces; ours found ${g.facesA}, MediaPipe ${g.facesB} in ${g.frames} frames`,
      },
    ];
    return {
      status: 'ok',
      reps: a.length,
      rows,
      facts: {
        frames: source,
        'frames per repetition': frames.length,
        ours: `${ortBuild(ort, ours.backend.threads)}, BlazeFace short-range 128² (keijiro ONNX), worker`,
        MediaPipe: `@mediapipe/face_detection ${MEDIAPIPE_VERSION}, model 'short' (face_detection_short_range.tflite), useCpuInference (TFLite + XNNPACK), ${mp.wasmFile()}, main thread`,
        'mean IoU': Number.isFinite(g.meanIou) ? Number(g.meanIou.toFixed(4)) : 'none matched',
        'ours per frame, medians (ms)': stageMedians(a),
      },
    };
  } finally {
    await mp.close();
  }
}

export async function facesOverhead(ctx: ItemContext): Promise<ItemOutcome> {
  const { frames } = await ctx.frames();
  ctx.progress('starting our face worker and the bare-session worker (WASM, 1 thread each)');
  const ours = ctx.pool.track(await startFaceWorker({ preference: 'wasm', threads: 1 }));
  await ours.api.load(MODEL);
  const bare = ctx.pool.track(await startBenchWorker(1));
  await bare.api.load('face', MODEL);
  await bare.api.setFaceFrame(MODEL, pixelsOf(frames[0]));
  for (const frame of frames.slice(0, 2)) await detectOurs(ours, frame, MODEL);
  await bare.api.timeRuns(`face/${MODEL}`, 2);

  const bareRun = async () => ({ ms: (await bare.api.timeRuns(`face/${MODEL}`, 1))[0] });
  const reps = await repeat(ctx, 'ours vs bare session.run, frame by frame', (rep) => alternateFrames(frames, rep, (f) => detectOurs(ours, f, MODEL), bareRun, ctx.signal));
  const a = reps.map((r) => r.a);
  const oursMs = a.map((blk) => median(blk.ms));
  const bareMs = reps.map((r) => median(r.b.ms));
  const stage = (f: (c: FaceCall) => number) => a.map((blk) => median(blk.results.map(f)));
  const pre = stage((c) => c.result.times.preMs);
  const infer = stage((c) => c.result.times.inferMs);
  const post = stage((c) => c.result.times.postMs);
  const hop = stage(hopMs);
  const rows: Row[] = [
    {
      measure: 'per frame (median of each repetition)',
      a: { label: 'ours, round trip', unit: 'ms', value: spread(oursMs) },
      b: { label: 'bare session.run', unit: 'ms', value: spread(bareMs) },
      ratio: overhead('overhead: ours ÷ bare − 1', oursMs, bareMs),
    },
    {
      measure: 'inference stage only',
      a: { label: 'ours, Model.run in the worker', unit: 'ms', value: spread(infer) },
      b: { label: 'bare session.run', unit: 'ms', value: spread(bareMs) },
      ratio: overhead('wrapper overhead: Model.run ÷ bare − 1', infer, bareMs),
    },
    { measure: 'ours: pre-processing (letterbox drawn on a 128² canvas, read back, to floats)', a: { label: 'ours', unit: 'ms', value: spread(pre) } },
    { measure: 'ours: post-processing (decode, weighted NMS)', a: { label: 'ours', unit: 'ms', value: spread(post) } },
    { measure: 'ours: worker hop (bitmap, postMessage both ways)', a: { label: 'ours', unit: 'ms', value: spread(hop) } },
  ];
  return {
    status: 'ok',
    reps: a.length,
    rows,
    facts: {
      'both sides': ortBuild({ versions: bare.ortVersions, wasmFile: bare.wasmFile }, 1),
      'bare input': 'the 128² letterboxed tensor of the first frame, built by the face pipeline’s own letterbox code',
      'frames per repetition': frames.length,
    },
  };
}
