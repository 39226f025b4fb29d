// Face worker: wires the runtime (sessions) to the pure face pipeline. Thin by design.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import type { OnProgress } from '../src/runtime/fetchModel';
import { Jobs } from '../src/runtime/jobs';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import type { FaceModelId } from '../src/tasks/face/core/models';
import { detectFaces, type DetectOptions, type Detections } from '../src/tasks/face/core/pipeline';
import { faceRunner } from '../src/tasks/face/runner';

export interface FaceResult extends Detections {
  width: number;
  height: number;
  backend: BackendInfo;
}

const runtime = new TaskRuntime('face');
const run = faceRunner((id) => runtime.model(id));
const jobs = new Jobs();
let canvas: OffscreenCanvas | undefined;

function toRgba(bitmap: ImageBitmap): ImageData {
  canvas ??= new OffscreenCanvas(bitmap.width, bitmap.height);
  if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
  }
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

const api = {
  /** Chooses the execution provider and loads the WASM runtime; once per worker. */
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    return runtime.init(options, onProgress);
  },

  /** Downloads (or reads from cache), creates and warms a model's session. */
  async load(id: FaceModelId): Promise<BackendInfo> {
    await runtime.model(id);
    return runtime.info();
  },

  /** Detects faces in a transferred bitmap (closed here). A newer frame or photo aborts this one. */
  run(bitmap: ImageBitmap, options: DetectOptions): Promise<FaceResult> {
    return jobs.run(async (signal) => {
      const { width, height } = bitmap;
      const pre = performance.now();
      const image = toRgba(bitmap);
      const decodeMs = performance.now() - pre;
      const result = await runtime.surviveDeviceLoss(() => detectFaces(image, run, { ...options, signal }));
      result.times.preMs += decodeMs;
      return { ...result, width, height, backend: await runtime.info() };
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

export type FaceWorkerApi = typeof api;

Comlink.expose(api);
