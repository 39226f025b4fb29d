// The native side of the benchmark's browser-vs-native item (src/bench/items/native.ts): onnxruntime-node on this
// machine's CPU with one thread, driven by the page through the function `npm run bench` exposes on it (NATIVE_HOOK).
// The page loads each model in its bench worker, then hands Node the model's URL and SHA-256 and the very input
// tensors it built; Node fetches the same bytes from the same server, checks them, and times its own runs.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as OrtNode from 'onnxruntime-node';
import { fromWire, toWire, type NativeInit, type NativeRequest, type PlainTensor, type WireTensor } from '../src/bench/core/native';

/** One core, no inter-op pool: the same work the page's 1-thread WASM runtime does (and all graph optimisations, as there). */
export const NATIVE_SESSION_OPTIONS = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
} satisfies OrtNode.InferenceSession.SessionOptions;

export const NATIVE_SETTINGS_TEXT = 'CPU execution provider, intraOpNumThreads 1, interOpNumThreads 1, executionMode sequential, graphOptimizationLevel all';

interface Loaded {
  session: OrtNode.InferenceSession;
  feeds: Record<string, OrtNode.Tensor>[];
}

function tensorOf(ort: typeof OrtNode, t: PlainTensor): OrtNode.Tensor {
  return new ort.Tensor(t.dtype, t.data, t.dims);
}

function plainOf(t: OrtNode.Tensor): PlainTensor | undefined {
  const dims = [...t.dims];
  if (t.type === 'float32') return { dtype: 'float32', data: t.data as Float32Array, dims };
  if (t.type === 'int64') return { dtype: 'int64', data: t.data as BigInt64Array, dims };
  if (t.type === 'int32') return { dtype: 'int32', data: t.data as Int32Array, dims };
  return undefined;
}

/**
 * The page's requests, answered. onnxruntime-node is loaded on the first `init` (a machine without its binding still
 * runs every other item: the native one is skipped with the reason).
 */
export function nativeBridge(): (request: NativeRequest) => Promise<unknown> {
  let ort: typeof OrtNode | undefined;
  const sessions = new Map<string, Loaded>();
  const get = (key: string): Loaded => {
    const l = sessions.get(key);
    if (!l) throw new Error(`native bridge: ${key} is not loaded`);
    return l;
  };
  const feedsOf = (key: string, set: number) => {
    const l = get(key);
    const feeds = l.feeds[set];
    if (!feeds) throw new Error(`native bridge: ${key} has no input set ${set}`);
    return { session: l.session, feeds };
  };
  const need = () => {
    if (!ort) throw new Error('native bridge: init first');
    return ort;
  };

  const handlers = {
    async init(): Promise<NativeInit> {
      try {
        ort ??= createRequire(import.meta.url)('onnxruntime-node') as typeof OrtNode;
      } catch (error) {
        return { ok: false, reason: `onnxruntime-node cannot be loaded here (${(error as Error).message.split('\n')[0]}); it is a devDependency: npm ci` };
      }
      return { ok: true, versions: { ...ort.env.versions, nodejs: process.versions.node }, settings: NATIVE_SETTINGS_TEXT };
    },
    async load({ key, url, sha256 }: Extract<NativeRequest, { op: 'load' }>): Promise<void> {
      const o = need();
      if (sessions.has(key)) return;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`native bridge: ${url}: HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const got = createHash('sha256').update(bytes).digest('hex');
      if (got !== sha256) throw new Error(`native bridge: ${url} has SHA-256 ${got}, the page loaded ${sha256}`);
      sessions.set(key, { session: await o.InferenceSession.create(bytes, NATIVE_SESSION_OPTIONS), feeds: [] });
    },
    async setInputs({ key, set, feeds }: Extract<NativeRequest, { op: 'setInputs' }>): Promise<void> {
      const o = need();
      get(key).feeds[set] = Object.fromEntries(Object.entries(feeds).map(([name, w]) => [name, tensorOf(o, fromWire(w))]));
    },
    async time({ key, set, runs }: Extract<NativeRequest, { op: 'time' }>): Promise<number[]> {
      const { session, feeds } = feedsOf(key, set);
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await session.run(feeds);
        ms.push(performance.now() - t);
      }
      return ms;
    },
    async outputs({ key, set }: Extract<NativeRequest, { op: 'outputs' }>): Promise<Record<string, WireTensor>> {
      const { session, feeds } = feedsOf(key, set);
      const out: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(await session.run(feeds))) {
        const p = plainOf(t);
        if (p) out[name] = toWire(p);
      }
      return out;
    },
    async dispose(): Promise<void> {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((l) => l.session.release()));
    },
  };

  return async (request) => {
    switch (request.op) {
      case 'init':
        return handlers.init();
      case 'load':
        return handlers.load(request);
      case 'setInputs':
        return handlers.setInputs(request);
      case 'time':
        return handlers.time(request);
      case 'outputs':
        return handlers.outputs(request);
      case 'dispose':
        return handlers.dispose();
      default:
        throw new Error(`native bridge: unknown request ${JSON.stringify(request)}`);
    }
  };
}
