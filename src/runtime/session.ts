import * as ort from 'onnxruntime-web';
import type { ExecutionProvider } from './backend';
import { LoupeError } from './errors';
import type { Manifest } from './manifest';

/** Plain tensor data: what crosses worker boundaries and what task code sees (never an `ort.Tensor`). */
export interface TensorData {
  data: Float32Array;
  dims: number[];
}

export interface WasmSetup {
  threads: number;
  /** URLs of the WASM runtime files, served by the app itself. */
  wasmPaths?: { mjs?: string; wasm?: string };
  /** The runtime's .wasm bytes, when the caller fetched (and cached) them itself. */
  wasmBinary?: Uint8Array;
}

/** Must run before the first session is created; ONNX Runtime reads these once. */
export function configureWasm({ threads, wasmPaths, wasmBinary }: WasmSetup): void {
  ort.env.wasm.numThreads = threads;
  if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths as ort.Env.WasmPrefixOrFilePaths;
  if (wasmBinary) ort.env.wasm.wasmBinary = wasmBinary;
  ort.env.logLevel = 'error';
}

export function sessionOptions(ep: ExecutionProvider): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

/** A loaded model: a session plus the manifest that describes its inputs and outputs. */
export class Model {
  private constructor(
    readonly manifest: Manifest,
    readonly ep: ExecutionProvider,
    private readonly session: ort.InferenceSession,
  ) {}

  static async create(manifest: Manifest, bytes: Uint8Array, ep: ExecutionProvider): Promise<Model> {
    try {
      return new Model(manifest, ep, await ort.InferenceSession.create(bytes, sessionOptions(ep)));
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

  /** Runs with float32 feeds checked against the session's inputs; returns float32 outputs by name. */
  async run(feeds: Record<string, TensorData>): Promise<Record<string, Float32Array>> {
    const missing = this.session.inputNames.filter((n) => !(n in feeds));
    if (missing.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${this.manifest.id}: missing input(s) ${missing.join(', ')}; it expects ${this.session.inputNames.join(', ')}`);
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, { data, dims }] of Object.entries(feeds)) {
      const count = dims.reduce((a, b) => a * b, 1);
      if (count !== data.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${name}: ${data.length} values for shape [${dims}]`);
      tensors[name] = new ort.Tensor('float32', data, dims);
    }
    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await this.session.run(tensors);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      throw new LoupeError(/memory/i.test(message) ? 'OUT_OF_MEMORY' : /dimension|shape/i.test(message) ? 'INPUT_SHAPE_MISMATCH' : 'INFERENCE_FAILED', `${this.manifest.id}: ${message}`);
    }
    const result: Record<string, Float32Array> = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      result[name] = (await tensor.getData()) as Float32Array;
      tensor.dispose();
    }
    return result;
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
    await Promise.all(models.map(async (m) => (await m.catch(() => undefined))?.release()));
  }
}
