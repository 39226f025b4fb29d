import type * as Ort from 'onnxruntime-web';
import type { ExecutionProvider } from './backend';
import { LoupeError, type ErrorCode } from '../errors';
import { yieldToEvents } from './jobs';
import type { Manifest } from './manifest';

/** Plain tensor data: what crosses worker boundaries and what task code sees (never an `ort.Tensor`). */
export interface TensorData {
  data: Float32Array;
  dims: number[];
}

/** Data for inputs of other dtypes (token ids and masks are int64: `BigInt64Array`; float16 as raw bits). */
export type TypedTensorData =
  | { dtype: 'float32'; data: Float32Array; dims: number[] }
  | { dtype: 'float16'; data: Uint16Array; dims: number[] }
  | { dtype: 'int64'; data: BigInt64Array; dims: number[] }
  | { dtype: 'int32'; data: Int32Array; dims: number[] };

/**
 * A tensor ONNX Runtime keeps between runs (an output fed back as the next input, e.g. a KV cache): on the GPU when
 * the session was asked to leave that output there. Task code sees its dims, type and location only; `dispose()`
 * frees it (GPU buffer included) and is the holder's job once the tensor is replaced.
 */
export interface HeldTensor {
  readonly dims: readonly number[];
  readonly type: string;
  readonly location: string;
  dispose(): void;
}

/** Extra session settings for models that need them (decoders with a KV cache, models with external weights). */
export interface ModelOptions {
  /** Outputs left where they are made instead of copied back to the CPU; only on WebGPU ('gpu-buffer'). */
  outputsOnDevice?: readonly string[];
  /** External weights (`model.onnx_data`), by the file name the graph refers to. */
  externalData?: { path: string; data: Uint8Array }[];
}

/** An onnxruntime-web build's module: the JSEP bundle (WebGPU + WASM), the plain WASM bundle, or Node's. */
export type OrtModule = typeof Ort;

export interface WasmSetup {
  threads: number;
  /** URLs of the WASM runtime files, served by the app itself. */
  wasmPaths?: { mjs?: string; wasm?: string };
  /** The runtime's .wasm bytes (of the same build as the module), when the caller fetched (and cached) them itself. */
  wasmBinary?: Uint8Array;
}

let ort: OrtModule | undefined;

/** The build configureWasm set up; every session, tensor and baseline of this worker goes through it. */
export function ortModule(): OrtModule {
  if (!ort) throw new LoupeError('INFERENCE_FAILED', 'ONNX Runtime is not set up yet (configureWasm runs first)');
  return ort;
}

/** Must run before the first session is created, with the build this worker uses; ONNX Runtime reads these once. */
export function configureWasm(module: OrtModule, { threads, wasmPaths, wasmBinary }: WasmSetup): void {
  ort = module;
  ort.env.wasm.numThreads = threads;
  if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths as Ort.Env.WasmPrefixOrFilePaths;
  if (wasmBinary) ort.env.wasm.wasmBinary = wasmBinary;
  ort.env.logLevel = 'error';
}

export function sessionOptions(ep: ExecutionProvider): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // The int8 variants store their weights as int8 behind DequantizeLinear (training/common/quantise.py). With this,
    // ONNX Runtime folds those nodes into float32 weights at load and runs the float32 kernels; without it, it keeps
    // them and dequantizes every run (the chat model's decode step: 4.5 ms instead of 1.2 ms, in Node). No effect on
    // float32 models.
    extra: { session: { disable_quant_qdq: '1' } },
  };
}

/**
 * The error code of a failed run. On WebGPU a kernel the provider registered but cannot run for this model (ORT's
 * "[WebGPU] Kernel … failed", e.g. 3D pooling) is WEBGPU_UNAVAILABLE, so a load falls back to WASM.
 */
export function runErrorCode(ep: ExecutionProvider, message: string): ErrorCode {
  if (ep === 'webgpu' && /WebGPU|GPUDevice|GPUBuffer/.test(message)) return 'WEBGPU_UNAVAILABLE';
  if (/memory/i.test(message)) return 'OUT_OF_MEMORY';
  return /dimension|shape/i.test(message) ? 'INPUT_SHAPE_MISMATCH' : 'INFERENCE_FAILED';
}

/** A loaded model: a session plus the manifest that describes its inputs and outputs. */
export class Model {
  private constructor(
    readonly manifest: Manifest,
    readonly ep: ExecutionProvider,
    private readonly session: Ort.InferenceSession,
  ) {}

  static async create(manifest: Manifest, bytes: Uint8Array, ep: ExecutionProvider, options: ModelOptions = {}): Promise<Model> {
    const settings: Ort.InferenceSession.SessionOptions = { ...sessionOptions(ep) };
    if (ep === 'webgpu' && options.outputsOnDevice?.length) settings.preferredOutputLocation = Object.fromEntries(options.outputsOnDevice.map((n) => [n, 'gpu-buffer' as const]));
    if (options.externalData?.length) settings.externalData = options.externalData;
    try {
      return new Model(manifest, ep, await ortModule().InferenceSession.create(bytes, settings));
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      if (ep === 'webgpu') throw new LoupeError('WEBGPU_UNAVAILABLE', `${manifest.id}: ${message}`);
      if (/memory/i.test(message)) throw new LoupeError('OUT_OF_MEMORY', `${manifest.id}: ${message}`);
      throw new LoupeError('INFERENCE_FAILED', `${manifest.id}: could not create a session: ${message}`);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Element type of each input ('float32', 'int64', 'float16'…), from the model's metadata. */
  get inputTypes(): Record<string, string> {
    return Object.fromEntries(this.session.inputMetadata.map((m) => [m.name, m.isTensor ? m.type : 'non-tensor']));
  }

  private checkFeeds(names: string[]): void {
    const missing = this.session.inputNames.filter((n) => !names.includes(n));
    if (missing.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${this.manifest.id}: missing input(s) ${missing.join(', ')}; it expects ${this.session.inputNames.join(', ')}`);
  }

  /**
   * Runs of this session go one after another (ONNX Runtime does not allow two at once on one session), and each
   * first yields a macrotask, so a worker reads its messages (a cancel) between two runs of a loop.
   */
  private queue: Promise<unknown> = Promise.resolve();

  private async invoke(tensors: Record<string, Ort.Tensor>): Promise<Ort.InferenceSession.ReturnType> {
    const turn = this.queue.then(yieldToEvents).then(() => this.session.run(tensors));
    this.queue = turn.catch(() => undefined);
    try {
      return await turn;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      throw new LoupeError(runErrorCode(this.ep, message), `${this.manifest.id}: ${message}`);
    }
  }

  /** Runs with float32 feeds checked against the session's inputs; returns float32 outputs by name. */
  async run(feeds: Record<string, TensorData>): Promise<Record<string, Float32Array>> {
    this.checkFeeds(Object.keys(feeds));
    const { Tensor } = ortModule();
    const tensors: Record<string, Ort.Tensor> = {};
    for (const [name, { data, dims }] of Object.entries(feeds)) {
      const count = dims.reduce((a, b) => a * b, 1);
      if (count !== data.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${name}: ${data.length} values for shape [${dims}]`);
      tensors[name] = new Tensor('float32', data, dims);
    }
    const outputs = await this.invoke(tensors);
    const result: Record<string, Float32Array> = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      result[name] = (await tensor.getData()) as Float32Array;
      tensor.dispose();
    }
    return result;
  }

  /**
   * Runs with typed feeds and tensors held from earlier runs; returns every output as a held tensor (left on the GPU
   * when the model was created with `outputsOnDevice` on WebGPU). The caller disposes what it gets back and what it
   * replaces; feeds it passed as data are disposed here.
   */
  async runHeld(feeds: Record<string, TypedTensorData | HeldTensor>): Promise<Record<string, HeldTensor>> {
    this.checkFeeds(Object.keys(feeds));
    const { Tensor } = ortModule();
    const tensors: Record<string, Ort.Tensor> = {};
    const created: Ort.Tensor[] = [];
    for (const [name, feed] of Object.entries(feeds)) {
      if (feed instanceof Tensor) {
        tensors[name] = feed;
        continue;
      }
      const { dtype, data, dims } = feed as TypedTensorData;
      const count = dims.reduce((a, b) => a * b, 1);
      if (count !== data.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${name}: ${data.length} values for shape [${dims}]`);
      const tensor = new Tensor(dtype, data, dims);
      created.push(tensor);
      tensors[name] = tensor;
    }
    try {
      return await this.invoke(tensors);
    } finally {
      for (const t of created) t.dispose();
    }
  }

  /**
   * One run on zeros of the manifest's first input shape: compiles kernels (shaders on WebGPU) up front.
   * Symbolic axes become 1 for the batch and the model's crop size (else 128) for spatial ones.
   */
  async warmUp(): Promise<void> {
    const input = this.manifest.inputs[0];
    const side = this.manifest.preprocess?.cropSize ?? 128;
    const dims = input.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : side));
    await this.run({ [input.name]: { data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims } });
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /**
   * warmUp(), releasing the session if it fails (on WebGPU a kernel the provider cannot run fails here, as
   * WEBGPU_UNAVAILABLE, and the caller retries on WASM). Returns this model.
   */
  async warmedUp(): Promise<Model> {
    try {
      await this.warmUp();
    } catch (error) {
      await this.release().catch(() => undefined);
      throw error;
    }
    return this;
  }
}

/**
 * Calls `onLost` once when the GPU device ONNX Runtime runs WebGPU sessions on is lost (driver reset, GPU process
 * crash, `destroy()`). Call only after a WebGPU session exists: before that, asking for the device creates one.
 */
export async function watchWebGpuDevice(onLost: (reason: string) => void): Promise<void> {
  const device = (await ortModule().env.webgpu.device) as unknown as { lost?: Promise<{ message?: string; reason?: string }> } | undefined;
  void device?.lost?.then((info) => onLost(info.message || info.reason || 'device lost'));
}

/** Sessions cached per (model id, execution provider), created once even when asked for concurrently. */
export class ModelCache {
  private readonly models = new Map<string, Promise<Model>>();

  get(id: string, ep: ExecutionProvider, create: () => Promise<Model>): Promise<Model> {
    const key = `${id}@${ep}`;
    let model = this.models.get(key);
    if (!model) {
      model = create();
      model.catch(() => this.models.delete(key));
      this.models.set(key, model);
    }
    return model;
  }

  async releaseAll(): Promise<void> {
    const models = [...this.models.values()];
    this.models.clear();
    await Promise.all(models.map(async (m) => (await m.catch(() => undefined))?.release().catch(() => undefined)));
  }
}

/** IEEE half-precision bits to a number. */
function halfToFloat(h: number): number {
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** A held tensor's values as float32 (downloaded from the GPU when it lives there; float16 widened). */
export async function readFloat32(tensor: HeldTensor): Promise<Float32Array> {
  const data = await (tensor as unknown as Ort.Tensor).getData();
  if (data instanceof Float32Array) return data;
  if (tensor.type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  // float16 arrives as raw bits (Uint16Array), or as a Float16Array where the JS engine has one.
  if (tensor.type === 'float16' || data instanceof Float64Array) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new LoupeError('INFERENCE_FAILED', `expected a floating-point tensor, got ${tensor.type}`);
}
