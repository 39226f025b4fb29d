// Benchmark worker: the baselines our pipelines are compared with. It sets the runtime up exactly as the task
// workers do (src/runtime initRuntime: same ORT build, same thread count, same session options), then runs
// *bare* `InferenceSession.run` calls on prepared tensors and a large MatMul for the machine's peak. It is the one
// module outside src/runtime that touches onnxruntime-web, on purpose: the bare baseline must bypass our wrapper.
import * as Comlink from 'comlink';
import type * as Ort from 'onnxruntime-web';
import { matmulModel } from '../src/bench/core/matmulModel';
import { initRuntime } from '../src/runtime/browser';
import type { BackendInfo } from '../src/runtime/backend';
import { fetchFile, fetchManifest } from '../src/runtime/fetchModel';
import { modelFile, type Manifest } from '../src/runtime/manifest';
import { ortModule, sessionOptions } from '../src/runtime/session';
import type { Volume } from '../src/io/volume';
import { sliceOf } from '../src/io/volume';
import { FACE_MODELS, type FaceModelId } from '../src/tasks/face/core/models';
import type { RgbaImage } from '../src/io/image';
import { computeLetterbox, toLetterboxedNHWC } from '../src/tasks/face/core/letterbox';
import { sliceGrid, toModelInput } from '../src/tasks/mri/core/preprocess';
import { preprocessOf } from '../src/tasks/mri/runner';
import { CT_INPUT, sampleSliceIndices, toModelInput as toCtInput } from '../src/tasks/ct/core/preprocess';
import type { CountedInput } from '../src/bench/core/flops';
import type { PlainTensor } from '../src/bench/core/native';

interface Loaded {
  session: Ort.InferenceSession;
  manifest: Manifest;
  /** Named feed sets, e.g. one per MRI slice. */
  feeds: Record<string, Ort.Tensor>[];
}

const sessions = new Map<string, Loaded>();
const matmuls = new Map<number, { session: Ort.InferenceSession; feeds: Record<string, Ort.Tensor> }>();
let backend: BackendInfo | undefined;

function loaded(key: string): Loaded {
  const l = sessions.get(key);
  if (!l) throw new Error(`bench worker: ${key} is not loaded`);
  if (!l.feeds.length) throw new Error(`bench worker: ${key} has no input set`);
  return l;
}

function inputSet(key: string, set: number): { session: Ort.InferenceSession; feeds: Record<string, Ort.Tensor> } {
  const l = loaded(key);
  const feeds = l.feeds[set];
  if (!feeds) throw new Error(`bench worker: ${key} has ${l.feeds.length} input set(s), not ${set + 1}`);
  return { session: l.session, feeds };
}

/** A CPU tensor's data as plain data (a copy), for the dtypes the benchmark feeds and compares. */
function plain(t: Ort.Tensor): PlainTensor | undefined {
  const dims = [...t.dims];
  if (t.type === 'float32') return { dtype: 'float32', data: (t.data as Float32Array).slice(), dims };
  if (t.type === 'int64') return { dtype: 'int64', data: (t.data as BigInt64Array).slice(), dims };
  if (t.type === 'int32') return { dtype: 'int32', data: (t.data as Int32Array).slice(), dims };
  return undefined;
}

async function runOnce(session: Ort.InferenceSession, feeds: Record<string, Ort.Tensor>): Promise<number> {
  const t = performance.now();
  const out = await session.run(feeds);
  const ms = performance.now() - t;
  for (const tensor of Object.values(out)) tensor.dispose();
  return ms;
}

/** A CPU tensor of the build initRuntime loaded (the bare baseline runs in the same build as ours). */
function tensor(type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]): Ort.Tensor {
  const { Tensor } = ortModule();
  return type === 'int64' ? new Tensor('int64', data as BigInt64Array, dims) : new Tensor('float32', data as Float32Array, dims);
}

function zerosFor(manifest: Manifest): Record<string, Ort.Tensor> {
  const input = manifest.inputs[0];
  const dims = input.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  if (manifest.preprocess) dims.splice(-2, 2, manifest.preprocess.cropSize, manifest.preprocess.cropSize);
  return { [input.name]: tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims) };
}

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

const api = {
  /** Same bootstrap as a task worker, WASM only. Returns the backend and the ORT versions. */
  async init(threads: number): Promise<{ backend: BackendInfo; ortVersions: Record<string, string>; wasmFile: string }> {
    backend ??= await initRuntime({ preference: 'wasm', threads });
    return { backend, ortVersions: { ...ortModule().env.versions }, wasmFile: backend.wasmFile ?? '?' };
  },

  /**
   * Fetches (cache-first) a model as the app does and creates a bare session with the app's options; one warm-up
   * run unless `warmUp` is false (a quick run of a heavy model: the CT DenseNet is ~143 GFLOP per run).
   */
  async load(task: string, id: string, warmUp = true): Promise<{ inputName: string; sha256: string }> {
    const key = `${task}/${id}`;
    if (!sessions.has(key)) {
      const { manifest, baseUrl } = await fetchManifest(task, id);
      const file = modelFile(manifest);
      const bytes = await fetchFile(manifest.name, { url: baseUrl + file.path, bytes: file.bytes, sha256: file.sha256 });
      const session = await ortModule().InferenceSession.create(bytes, sessionOptions('wasm'));
      if (warmUp) await runOnce(session, zerosFor(manifest));
      sessions.set(key, { session, manifest, feeds: [] });
    }
    const { manifest } = sessions.get(key)!;
    return { inputName: manifest.inputs[0].name, sha256: modelFile(manifest).sha256 };
  },

  /** The face model's input for this frame, exactly as the face pipeline builds it (letterboxed NHWC, [-1, 1]). */
  setFaceFrame(id: FaceModelId, image: RgbaImage): void {
    const l = sessions.get(`face/${id}`);
    if (!l) throw new Error(`bench worker: face/${id} is not loaded`);
    const size = FACE_MODELS[id].inputSize;
    const data = toLetterboxedNHWC(image, computeLetterbox([0, 0, image.width, image.height], size));
    l.feeds = [{ [l.manifest.inputs[0].name]: tensor('float32', data, [1, size, size, 3]) }];
  },

  /** Every slice of the volume's first frame, preprocessed as the MRI pipeline does. */
  setMriVolume(id: string, volume: Volume): number {
    const l = sessions.get(`mri/${id}`);
    if (!l) throw new Error(`bench worker: mri/${id} is not loaded`);
    const [nx, ny, nz] = volume.dims;
    const grid = sliceGrid(nx, ny, volume.spacingMm[0], volume.spacingMm[1], preprocessOf(l.manifest));
    l.feeds = Array.from({ length: nz }, (_, z) => ({
      [l.manifest.inputs[0].name]: tensor('float32', toModelInput(sliceOf(volume, z, 0), grid), [1, 1, grid.size, grid.size]),
    }));
    return nz;
  },

  /**
   * The CT model's input for a volume in HU ([nz, ny, nx], x fastest), built by the CT pipeline's own code: one
   * sampling (the central 16 slices at the depth's stride), HU clipped and normalised, resized to 16×128×128.
   * Returns the number of input sets (1).
   */
  setCtVolume(id: string, hu: Float32Array, dims: [number, number, number]): number {
    const l = sessions.get(`ct/${id}`);
    if (!l) throw new Error(`bench worker: ct/${id} is not loaded`);
    const data = toCtInput(hu, dims, sampleSliceIndices(dims[2]));
    l.feeds = [{ [l.manifest.inputs[0].name]: tensor('float32', data, [1, 1, ...CT_INPUT]) }];
    return l.feeds.length;
  },

  /**
   * Placeholder inputs of the shapes a FLOP count was made for (src/bench/flops.json "inputs": a language model's
   * decode step with a filled KV cache). int64 inputs hold `fill` (default 1: a token id, an attention mask of
   * ones), float32 inputs small pseudo-random values. The work of a step does not depend on the values. With
   * `append`, another input set next to the ones already there (e.g. a prefill beside the decode step). Returns the
   * set's index.
   */
  setCountedInputs(key: string, inputs: Record<string, CountedInput>, append = false): number {
    const l = sessions.get(key);
    if (!l) throw new Error(`bench worker: ${key} is not loaded`);
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, { shape, dtype, fill }] of Object.entries(inputs)) {
      const n = shape.reduce((a, b) => a * b, 1);
      feeds[name] =
        dtype === 'int64'
          ? tensor('int64', new BigInt64Array(n).fill(BigInt(fill ?? 1)), shape)
          : tensor('float32', random(n, 3).map((v) => v * 0.1), shape);
    }
    if (append) l.feeds.push(feeds);
    else l.feeds = [feeds];
    return l.feeds.length - 1;
  },

  /** `runs` bare session.run calls on input set `set` (default the first); ms each. */
  async timeRuns(key: string, runs: number, set = 0): Promise<number[]> {
    const { session, feeds } = inputSet(key, set);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push(await runOnce(session, feeds));
    return ms;
  },

  /** Input set `set` as plain data (copies): what another runtime is given to run the very same tensors. */
  feedsOf(key: string, set = 0): Record<string, PlainTensor> {
    const { feeds } = inputSet(key, set);
    const out: Record<string, PlainTensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const p = plain(t);
      if (!p) throw new Error(`bench worker: ${key} input ${name} is ${t.type}; feedsOf hands out float32, int64 and int32`);
      out[name] = p;
    }
    return out;
  },

  /** One run on input set `set`; its outputs of the dtypes plain() knows (float32, int64, int32). */
  async outputsOf(key: string, set = 0): Promise<Record<string, PlainTensor>> {
    const { session, feeds } = inputSet(key, set);
    const results = await session.run(feeds);
    const out: Record<string, PlainTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      const p = plain(t);
      if (p) out[name] = p;
      t.dispose();
    }
    return out;
  },

  /** One bare session.run per input set (e.g. per slice), back to back; total ms. */
  async timeAllInputs(key: string): Promise<number> {
    const { session, feeds } = loaded(key);
    const t = performance.now();
    for (const f of feeds) {
      const out = await session.run(f);
      for (const tensor of Object.values(out)) tensor.dispose();
    }
    return performance.now() - t;
  },

  /** `runs` runs of an n×n×n fp32 MatMul (session created once per n); ms each. */
  async timeMatmul(n: number, runs: number): Promise<number[]> {
    let entry = matmuls.get(n);
    if (!entry) {
      const session = await ortModule().InferenceSession.create(matmulModel(n), sessionOptions('wasm'));
      const feeds = { A: tensor('float32', random(n * n, 1), [n, n]), B: tensor('float32', random(n * n, 2), [n, n]) };
      await runOnce(session, feeds);
      entry = { session, feeds };
      matmuls.set(n, entry);
    }
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push(await runOnce(entry.session, entry.feeds));
    return ms;
  },

  async dispose(): Promise<void> {
    const all = [...sessions.values(), ...matmuls.values()];
    sessions.clear();
    matmuls.clear();
    await Promise.all(all.map((l) => l.session.release()));
  },
};

export type BenchWorkerApi = typeof api;

Comlink.expose(api);
