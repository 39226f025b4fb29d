// MRI worker: the DF-Net session behind the pure MRI pipeline, slice by slice, with progress and cancel.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import type { OnProgress } from '../src/runtime/fetchModel';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import { nextTask } from '../src/runtime/worker';
import type { Volume } from '../src/io/volume';
import { segmentVolume, type Segmentation } from '../src/tasks/mri/core/pipeline';
import { mriRunner, preprocessOf, MRI_MODEL_ID } from '../src/tasks/mri/runner';

const runtime = new TaskRuntime('mri');
let cancelRequested = false;

const api = {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    return runtime.init(options, onProgress);
  },

  async load(): Promise<BackendInfo> {
    await runtime.model(MRI_MODEL_ID);
    return runtime.info();
  },

  /** Segments every slice and frame; `onSlice(done, total)` after each. `cancel()` stops it between slices. */
  async segment(volume: Volume, onSlice?: (done: number, total: number) => void): Promise<Segmentation & { backend: BackendInfo; inferMs: number }> {
    cancelRequested = false;
    const model = await runtime.model(MRI_MODEL_ID);
    const started = performance.now();
    const result = await segmentVolume(volume, mriRunner(model), { preprocess: preprocessOf(model.manifest), onProgress: onSlice, cancelled: async () => (await nextTask(), cancelRequested) });
    const inferMs = performance.now() - started;
    return Comlink.transfer({ ...result, backend: await runtime.info(), inferMs }, [result.labels.buffer, ...result.fields.map((f) => f.buffer as ArrayBuffer)]);
  },

  cancel(): void {
    cancelRequested = true;
  },

  dispose(): Promise<void> {
    return runtime.dispose();
  },
};

export type MriWorkerApi = typeof api;

Comlink.expose(api);
