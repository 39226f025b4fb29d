// MRI worker: the DF-Net session behind the pure MRI pipeline, slices in batches (MRI_BATCH), with progress. One job at a time:
// a new volume aborts the previous run, which stops before its next batch.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import type { OnProgress } from '../src/runtime/fetchModel';
import { Jobs } from '../src/runtime/jobs';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import { readDroppedVolume } from '../src/io/decodeImage';
import type { Volume } from '../src/io/volume';
import { analyseVolume, type MriAnalysis } from '../src/tasks/mri/core/pipeline';
import { mriRunner, preprocessOf, MRI_MODEL_ID } from '../src/tasks/mri/runner';

const runtime = new TaskRuntime('mri');
const jobs = new Jobs();

const api = {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    return runtime.init(options, onProgress);
  },

  /** Downloads (or reads from cache), creates and warms a model's session (`id`: one of MRI_MODELS). */
  async load(id = MRI_MODEL_ID): Promise<BackendInfo> {
    await runtime.model(id);
    return runtime.info();
  },

  /** Reads dropped files into a volume here, off the main thread; its voxels come back shared (isolated pages), not copied. */
  open(files: { name: string; file: File }[]): Promise<Volume> {
    return jobs.run(() => readDroppedVolume(files));
  },

  /** Segments every slice and frame (`onSlice(done, total)` after each), or refuses an input that is not a cardiac MRI. */
  run(volume: Volume, onSlice?: (done: number, total: number) => void, id = MRI_MODEL_ID): Promise<MriAnalysis & { backend: BackendInfo; inferMs: number }> {
    return jobs.run(async (signal) => {
      const started = performance.now();
      const result = await runtime.surviveDeviceLoss(async () => {
        const model = await runtime.model(id);
        return analyseVolume(volume, mriRunner(model), { preprocess: preprocessOf(model.manifest), onProgress: onSlice, signal });
      });
      const inferMs = performance.now() - started;
      const buffers = result.segmentation ? [result.segmentation.labels.buffer, ...result.segmentation.fields.map((f) => f.buffer as ArrayBuffer)] : [];
      return Comlink.transfer({ ...result, backend: await runtime.info(), inferMs }, buffers);
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

export type MriWorkerApi = typeof api;

Comlink.expose(api);
