// CT worker: the UCADI DenseNet (or a user's classifier with the same contract) behind the pure CT core.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import type { OnProgress } from '../src/runtime/fetchModel';
import { parseManifest } from '../src/runtime/manifest';
import type { Model } from '../src/runtime/session';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import { nextTask } from '../src/runtime/worker';
import { classifyVolume, type CtResult } from '../src/tasks/ct/core/classify';
import { CT_MODEL_ID, checkCtContract, ctRunner } from '../src/tasks/ct/runner';

const runtime = new TaskRuntime('ct');
let current: Promise<Model> | undefined;
let cancelRequested = false;

function model(): Promise<Model> {
  current ??= runtime.model(CT_MODEL_ID);
  return current;
}

const api = {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    return runtime.init(options, onProgress);
  },

  /** Loads the shipped model, or keeps the custom one the user chose. Returns its name. */
  async load(): Promise<{ backend: BackendInfo; name: string; custom: boolean; hasCam: boolean }> {
    const m = await model();
    return { backend: await runtime.info(), name: m.manifest.name, custom: m.manifest.id !== CT_MODEL_ID, hasCam: !!checkCtContract(m.manifest).cam };
  },

  /** Replaces the default with a user's ONNX classifier (manifest JSON text + model bytes), checked against the contract. */
  async loadCustom(manifestText: string, bytes: Uint8Array) {
    let json: unknown;
    try {
      json = JSON.parse(manifestText);
    } catch {
      throw Object.assign(new Error('manifest.json is not JSON'), { name: 'MANIFEST_INVALID' });
    }
    const manifest = parseManifest(json, 'manifest.json');
    checkCtContract(manifest);
    current = runtime.custom(manifest, bytes);
    current.catch(() => (current = undefined));
    return api.load();
  },

  /** Back to the model shipped with Loupe. */
  useDefault() {
    current = undefined;
    return api.load();
  },

  async classify(hu: Float32Array, dims: [number, number, number], samplings: number, onSampling?: (done: number, total: number) => void): Promise<CtResult & { inferMs: number }> {
    cancelRequested = false;
    const run = ctRunner(await model());
    const started = performance.now();
    const result = await classifyVolume(hu, dims, run, { samplings, onProgress: onSampling, cancelled: async () => (await nextTask(), cancelRequested) });
    return Comlink.transfer({ ...result, inferMs: performance.now() - started }, (result.cam ?? []).map((c) => c.buffer as ArrayBuffer));
  },

  cancel(): void {
    cancelRequested = true;
  },

  dispose(): Promise<void> {
    return runtime.dispose();
  },
};

export type CtWorkerApi = typeof api;

Comlink.expose(api);
