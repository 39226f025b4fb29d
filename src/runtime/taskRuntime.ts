import type { BackendInfo, ExecutionProvider } from './backend';
import { initRuntime, loadModel, type RuntimeOptions } from './browser';
import { LoupeError } from './errors';
import type { OnProgress } from './fetchModel';
import type { Manifest } from './manifest';
import { Model, ModelCache } from './session';

/**
 * What every task worker needs from the runtime: one init (provider, threads, WASM), models cached per
 * (id, provider), and a switch to WASM for the rest of the worker's life if WebGPU fails on a model.
 */
export class TaskRuntime {
  private backend: Promise<BackendInfo> | undefined;
  private progress: OnProgress | undefined;
  private readonly models = new ModelCache();

  constructor(private readonly task: string) {}

  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    this.progress = onProgress;
    this.backend ??= initRuntime(options, onProgress);
    this.backend.catch(() => (this.backend = undefined));
    return this.backend;
  }

  info(): Promise<BackendInfo> {
    if (!this.backend) throw new LoupeError('INFERENCE_FAILED', `the ${this.task} worker was used before init()`);
    return this.backend;
  }

  model(id: string): Promise<Model> {
    return this.cached(id, (ep) => loadModel(this.task, id, ep, this.progress));
  }

  /** A model the user supplied (bytes + manifest), created and warmed like a shipped one and cached by its id. */
  custom(manifest: Manifest, bytes: Uint8Array): Promise<Model> {
    return this.cached(`custom:${manifest.id}`, async (ep) => (await Model.create(manifest, bytes, ep)).warmedUp());
  }

  /** The model under `key` on the worker's provider; if WebGPU fails on it, on WASM from then on (and the backend says why). */
  private async cached(key: string, create: (ep: ExecutionProvider) => Promise<Model>): Promise<Model> {
    const info = await this.info();
    try {
      return await this.models.get(key, info.ep, () => create(info.ep));
    } catch (error) {
      if ((error as Error).name !== 'WEBGPU_UNAVAILABLE') throw error;
      this.backend = Promise.resolve({ ...info, ep: 'wasm', adapter: undefined, fallbackReason: `WebGPU failed (${(error as Error).message}); using WASM.` });
      return this.models.get(key, 'wasm', () => create('wasm'));
    }
  }

  dispose(): Promise<void> {
    return this.models.releaseAll();
  }
}
