// CT worker: the UCADI DenseNet (or a user's classifier with the same contract) behind the pure CT core. One job at
// a time: a new volume aborts the previous run, which stops at its next sampling.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import type { OnProgress } from '../src/runtime/fetchModel';
import { modelFile, parseManifest } from '../src/runtime/manifest';
import type { Model } from '../src/runtime/session';
import { Jobs } from '../src/runtime/jobs';
import type { ModelSource } from '../src/runtime/source';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import { LoupeError } from '../src/errors';
import { readDroppedVolume } from '../src/io/decodeImage';
import { shareable, type Volume } from '../src/io/volume';
import { classifyVolume, type CtResult } from '../src/tasks/ct/core/classify';
import { asHuFromImages } from '../src/tasks/ct/core/hu';
import { checkCtInput, type CtRejection } from '../src/tasks/ct/core/refuse';
import { CT_MODEL_ID, checkCtContract, ctRunner } from '../src/tasks/ct/runner';

const runtime = new TaskRuntime('ct');
/** The user's classifier, when they chose one (kept to recreate it); otherwise the shipped model `shippedId`. */
let custom: { key: string; source: ModelSource } | undefined;
let shippedId = CT_MODEL_ID;
let current: Promise<Model> | undefined;
const jobs = new Jobs();
// A lost WebGPU device took the sessions with it: the next request creates the model again (on WASM).
runtime.onDeviceLost(() => (current = undefined));

function model(): Promise<Model> {
  if (!current) {
    const created = custom ? runtime.fromSource(custom.key, custom.source) : runtime.model(shippedId);
    created.catch(() => current === created && (current = undefined));
    current = created;
  }
  return current;
}

const api = {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    return runtime.init(options, onProgress);
  },

  /** Loads the shipped model `id` (one of CT_MODELS), or keeps the custom one the user chose. Returns its name. */
  async load(id = shippedId): Promise<{ backend: BackendInfo; name: string; custom: boolean; hasCam: boolean }> {
    if (!custom && id !== shippedId) {
      shippedId = id;
      current = undefined;
    }
    const m = await model();
    return { backend: await runtime.info(), name: m.manifest.name, custom: custom !== undefined, hasCam: !!checkCtContract(m.manifest).cam };
  },

  /** Replaces the default with a user's ONNX classifier (manifest JSON text + model bytes), checked against the contract. */
  async loadCustom(manifestText: string, bytes: Uint8Array) {
    let json: unknown;
    try {
      json = JSON.parse(manifestText);
    } catch {
      throw new LoupeError('MANIFEST_INVALID', 'manifest.json is not JSON');
    }
    const manifest = parseManifest(json, 'manifest.json');
    checkCtContract(manifest);
    const file = modelFile(manifest);
    const previous = custom;
    custom = { key: `custom:${manifest.id}`, source: { name: manifest.name, names: [file.path], size: () => bytes.byteLength, read: async () => bytes, manifest } };
    current = undefined;
    try {
      return await api.load();
    } catch (error) {
      custom = previous; // a model that does not load leaves the one before in place
      current = undefined;
      throw error;
    }
  },

  /** Back to a model shipped with Loupe (the custom one is dropped). */
  useShipped(id: string) {
    custom = undefined;
    current = undefined;
    return api.load(id);
  },

  /**
   * Reads dropped files into a volume here, off the main thread (slice images mapped to HU); voxels come back shared,
   * not copied, with the refusal when it is not a chest CT (checked here too: it reads every voxel).
   */
  open(files: { name: string; file: File }[]): Promise<{ volume: Volume; rejection?: CtRejection }> {
    return jobs.run(async () => {
      const volume = shareable(asHuFromImages(await readDroppedVolume(files)));
      return { volume, rejection: checkCtInput(volume) };
    });
  },

  /** Classifies one volume (HU, [nx, ny, nz]); `onSampling(done, total)` after each sampling. */
  run(hu: Float32Array, dims: [number, number, number], onSampling?: (done: number, total: number) => void): Promise<CtResult & { inferMs: number }> {
    return jobs.run(async (signal) => {
      const started = performance.now();
      const result = await runtime.surviveDeviceLoss(async () => classifyVolume(hu, dims, ctRunner(await model()), { onProgress: onSampling, signal }));
      return Comlink.transfer({ ...result, inferMs: performance.now() - started }, (result.cam ?? []).map((c) => c.buffer as ArrayBuffer));
    });
  },

  cancel(): void {
    jobs.cancel();
  },

  async dispose(): Promise<void> {
    await jobs.settle();
    await runtime.dispose();
  },
};

export type CtWorkerApi = typeof api;

Comlink.expose(api);
