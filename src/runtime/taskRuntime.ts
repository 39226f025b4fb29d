import type { BackendInfo, ExecutionProvider } from './backend';
import { initRuntime, loadModel, type RuntimeOptions } from './browser';
import { LoupeError } from '../errors';
import type { OnProgress } from './fetchModel';
import { ModelCache, watchWebGpuDevice, type Model } from './session';
import { openModel, type ModelSource } from './source';

/**
 * What every task worker needs from the runtime: one init (provider, threads, WASM), models cached per
 * (id, provider), and a switch to WASM for the rest of the worker's life if WebGPU fails on a model or its GPU
 * device is lost (sessions are then recreated on WASM by the next request).
 */
export class TaskRuntime {
  private backend: Promise<BackendInfo> | undefined;
  private progress: OnProgress | undefined;
  private readonly models = new ModelCache();
  private watching = false;
  /** Bumped when the WebGPU device is lost: a job that began before can tell that its failure came from that. */
  private losses = 0;
  private readonly lossListeners = new Set<() => void>();

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

  /** A model from another source (the user's files), created and warmed like a shipped one and cached under `key`. */
  fromSource(key: string, source: ModelSource): Promise<Model> {
    return this.cached(key, (ep) => openModel(source, ep, this.progress));
  }

  /** The model under `key` on the worker's provider (falling back like `withFallback`), created once. */
  private cached(key: string, create: (ep: ExecutionProvider) => Promise<Model>): Promise<Model> {
    return this.withFallback((ep) => this.models.get(key, ep, () => create(ep)));
  }

  /**
   * `open(ep)` on the worker's provider; if WebGPU fails on it (creation or warm-up), on WASM, and WASM from then on
   * for this worker (the backend says why). The one WebGPU→WASM path of every task, chat included.
   */
  async withFallback<T>(open: (ep: ExecutionProvider) => Promise<T>): Promise<T> {
    const info = await this.info();
    try {
      const opened = await open(info.ep);
      if (info.ep === 'webgpu') this.watchDevice();
      return opened;
    } catch (error) {
      if ((error as Error).name !== 'WEBGPU_UNAVAILABLE' || info.ep !== 'webgpu') throw error;
      this.useWasm(`WebGPU failed (${(error as Error).message}); using WASM.`);
      return open('wasm');
    }
  }

  /**
   * Runs a job; if the WebGPU device is lost while it runs (its sessions fail), runs it once more, now on WASM.
   * The user sees a result and the backend badge says why it changed.
   */
  async surviveDeviceLoss<T>(job: () => Promise<T>): Promise<T> {
    const before = this.losses;
    try {
      return await job();
    } catch (error) {
      if ((error as Error).name === 'ABORTED') throw error;
      // The run's failure can arrive just before the device's `lost` promise settles.
      if (this.losses === before) await new Promise((resolve) => setTimeout(resolve, 100));
      if (this.losses === before) throw error;
      return job();
    }
  }

  /** `listener` hears a lost WebGPU device (the chat worker drops its model and reopens it on WASM). */
  onDeviceLost(listener: () => void): void {
    this.lossListeners.add(listener);
  }

  private watchDevice(): void {
    if (this.watching) return;
    this.watching = true;
    void watchWebGpuDevice((reason) => {
      this.losses++;
      this.useWasm(`The WebGPU device was lost (${reason}); using WASM.`);
      void this.models.releaseAll().catch(() => undefined);
      for (const listener of this.lossListeners) listener();
    }).catch(() => undefined);
  }

  private useWasm(fallbackReason: string): void {
    const info = this.backend;
    if (!info) return;
    this.backend = info.then((b) => ({ ...b, ep: 'wasm', adapter: undefined, fallbackReason }));
  }

  dispose(): Promise<void> {
    return this.models.releaseAll();
  }
}
