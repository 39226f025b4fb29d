// Browser vs native: bare session.run of each shipped model in this page's onnxruntime-web (WASM, 1 thread, the bench
// worker) and in onnxruntime-node on the same machine's CPU (1 thread), on the very same input tensors, alternating.
// The native side lives in `npm run bench` (scripts/bench-native.ts), reached through a function it exposes on the
// page; in a plain browser the item is skipped.
import { CHAT_DEFAULT_MODEL } from '../../tasks/chat/models';
import { CT_MODEL_ID } from '../../tasks/ct/runner';
import { MRI_MODEL_ID } from '../../tasks/mri/runner';
import { appUrl } from '../../runtime/fetchModel';
import { modelFile } from '../../runtime/manifest';
import type { CountedInput } from '../core/flops';
import { describeAgreement, fromWire, NATIVE_HOOK, NATIVE_MISSING, outputAgreement, prefillInputs, toWire, type NativeInit, type NativeRequest, type PlainTensor, type WireTensor } from '../core/native';
import { phantomVolume } from '../core/phantom';
import { ratio, type Row } from '../core/report';
import { abOrder, median, spread } from '../core/stats';
import { availableModel } from '../env';
import { pixelsOf } from '../frames';
import { startBenchWorker } from '../workers';
import { ortBuild, skipped, throwIfAborted, type ItemContext, type ItemOutcome } from './context';
import { CT_BENCH_DIMS, ctBenchHu } from './ct';
import { FLOP_COUNTS } from './flops';

/** New tokens of the chat prefill row (an empty KV cache). */
export const NATIVE_PREFILL_TOKENS = 32;

type Hook = (request: NativeRequest) => Promise<unknown>;

/** The native side, when `npm run bench` drives this page. */
export function nativeHook(): Hook | undefined {
  const f = (globalThis as Record<string, unknown>)[NATIVE_HOOK];
  return typeof f === 'function' ? (f as Hook) : undefined;
}

interface Target {
  task: string;
  id: string;
  /** The model file as this page's server serves it (Node fetches the same bytes). */
  modelUrl: string;
  /** What the row calls the work of one run. */
  what: string;
  /** Input set in both runtimes (a chat model has two: decode step, prefill). */
  set: number;
  /** Bare runs per repetition and side (median taken). */
  runs: number;
}

export async function browserVsNative(ctx: ItemContext): Promise<ItemOutcome> {
  const hook = nativeHook();
  if (!hook) return skipped(NATIVE_MISSING);
  const native = {
    init: () => hook({ op: 'init' }) as Promise<NativeInit>,
    load: (key: string, url: string, sha256: string) => hook({ op: 'load', key, url, sha256 }),
    setInputs: (key: string, set: number, feeds: Record<string, PlainTensor>) =>
      hook({ op: 'setInputs', key, set, feeds: Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, toWire(t)])) }),
    time: (key: string, set: number, runs: number) => hook({ op: 'time', key, set, runs }) as Promise<number[]>,
    outputs: async (key: string, set: number) => Object.fromEntries(Object.entries((await hook({ op: 'outputs', key, set })) as Record<string, WireTensor>).map(([n, w]) => [n, fromWire(w)])),
    dispose: () => hook({ op: 'dispose' }),
  };
  const info = await native.init();
  if (!info.ok) return skipped(info.reason);

  const quick = ctx.settings.quick;
  const { frames } = await ctx.frames();
  const notes: Row[] = [];
  const targets: Target[] = [];
  const decode: Record<string, CountedInput> | undefined = FLOP_COUNTS.models[`chat/${CHAT_DEFAULT_MODEL}`]?.inputs;
  const past = FLOP_COUNTS.models[`chat/${CHAT_DEFAULT_MODEL}`]?.binding?.past_sequence_length ?? '?';
  type Sets = Omit<Target, 'task' | 'id' | 'modelUrl'>[];
  const wanted: [task: string, id: string, measure: string, sets: Sets][] = [['face', 'blazeface-short', 'faces', [{ what: 'one 128² frame', set: 0, runs: quick ? 1 : 20 }]]];
  // A quick run times one face model: the code path is the same.
  if (!quick) wanted.push(['face', 'blazeface-full', 'faces (full range)', [{ what: 'one 256² frame', set: 0, runs: 10 }]]);
  wanted.push(
    ['mri', MRI_MODEL_ID, 'MRI', [{ what: 'one short-axis slice', set: 0, runs: quick ? 1 : 5 }]],
    ['ct', CT_MODEL_ID, 'CT', [{ what: `one ${CT_BENCH_DIMS[2]}×${CT_BENCH_DIMS[1]}×${CT_BENCH_DIMS[0]} volume`, set: 0, runs: quick ? 1 : 2 }]],
    [
      'chat',
      CHAT_DEFAULT_MODEL,
      'chat',
      [
        { what: `decode step (1 token, ${past} cached)`, set: 0, runs: quick ? 1 : 30 },
        { what: `prefill (${NATIVE_PREFILL_TOKENS} tokens, empty cache)`, set: 1, runs: quick ? 1 : 10 },
      ],
    ],
  );
  for (const [task, id, measure, sets] of wanted) {
    const available = await availableModel(task, id);
    if (!available.ok) notes.push({ measure, note: `skipped: ${available.reason}` });
    else if (task === 'chat' && !decode) notes.push({ measure, note: `skipped: src/bench/flops.json has no input binding for chat/${id}: run /usr/bin/python3 bench/flops.py` });
    else for (const s of sets) targets.push({ task, id, modelUrl: appUrl(`models/${task}/${id}/${modelFile(available.manifest).path}`), ...s });
  }

  ctx.progress('starting the bare-session worker (WASM, 1 thread)');
  const bare = ctx.pool.track(await startBenchWorker(1));
  try {
    const agreement = new Map<Target, string>();
    for (const t of targets) {
      throwIfAborted(ctx.signal);
      const key = `${t.task}/${t.id}`;
      ctx.progress(`${key}: loading in both runtimes, same inputs, warm-up`);
      if (t.set === 0) {
        // Warm-up below, on the real inputs (a language model needs all of its inputs for one).
        const { sha256 } = await bare.api.load(t.task, t.id, false);
        await native.load(key, t.modelUrl, sha256);
        if (t.task === 'face') await bare.api.setFaceFrame(t.id as 'blazeface-short', pixelsOf(frames[0]));
        else if (t.task === 'mri') await bare.api.setMriVolume(t.id, phantomVolume({ nz: 1 }));
        else if (t.task === 'ct') await bare.api.setCtVolume(t.id, ctBenchHu(), CT_BENCH_DIMS);
        else await bare.api.setCountedInputs(key, decode!);
      } else {
        await bare.api.setCountedInputs(key, prefillInputs(decode!, NATIVE_PREFILL_TOKENS), true);
      }
      await native.setInputs(key, t.set, await bare.api.feedsOf(key, t.set));
      // The warm-up runs: also the check that both runtimes compute the same thing.
      agreement.set(t, describeAgreement(outputAgreement(await bare.api.outputsOf(key, t.set), await native.outputs(key, t.set))));
    }

    // Model by model within a repetition; which side goes first alternates with the model and the repetition.
    const browserMs = targets.map(() => [] as number[]);
    const nativeMs = targets.map(() => [] as number[]);
    const reps = ctx.settings.reps;
    for (let rep = 0; rep < reps; rep++) {
      ctx.progress(`browser vs native, bare session.run: repetition ${rep + 1} of ${reps}`);
      for (const [i, t] of targets.entries()) {
        const key = `${t.task}/${t.id}`;
        for (const side of abOrder(rep + i)) {
          throwIfAborted(ctx.signal);
          if (side === 'a') browserMs[i].push(median(await bare.api.timeRuns(key, t.runs, t.set)));
          else nativeMs[i].push(median(await native.time(key, t.set, t.runs)));
        }
      }
    }

    const rows: Row[] = targets.map((t, i) => ({
      measure: `${t.id}: ${t.what}, median of ${t.runs} run${t.runs === 1 ? '' : 's'} per repetition`,
      a: { label: 'browser (WASM)', unit: 'ms', value: spread(browserMs[i]) },
      b: { label: 'native (CPU)', unit: 'ms', value: spread(nativeMs[i]) },
      ratio: ratio('browser ÷ native (time per run; > 1: the browser is slower)', browserMs[i], nativeMs[i]),
      note: agreement.get(t),
    }));
    return {
      status: 'ok',
      reps,
      rows: [...rows, ...notes],
      facts: {
        browser: ortBuild(await ctx.ort(), 1),
        native: `onnxruntime-node ${info.versions.node ?? '?'} in Node ${info.versions.nodejs ?? '?'}, ${info.settings}`,
        inputs: 'built once by the bench worker (the pipelines’ own preprocessing: a camera frame letterboxed, a phantom MRI slice, the CT phantom volume; chat: the FLOP count’s decode-step binding and a prefill derived from it) and copied to Node byte for byte',
        timing: 'each runtime times its own session.run calls (page: performance.now() in the worker; Node: performance.now()); the trip between them is not timed',
      },
    };
  } finally {
    await native.dispose();
  }
}
