// Face worker: wires the runtime (sessions) to the pure face pipeline. Thin by design.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import type { OnProgress } from '../src/runtime/fetchModel';
import { Jobs } from '../src/runtime/jobs';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import type { FaceModelId } from '../src/tasks/face/core/models';
import { fromLetterboxedRgba } from '../src/tasks/face/core/letterbox';
import { detectFaces, type DetectOptions, type Detections, type FaceFrame } from '../src/tasks/face/core/pipeline';
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

/**
 * A transferred bitmap as the pipeline's frame: each view is drawn scaled (bilinear, as `toLetterboxedNHWC`
 * samples: pixel centres) and letterboxed onto a model-sized canvas, and only those size² pixels are read back,
 * never the whole camera frame.
 */
function bitmapFrame(bitmap: ImageBitmap): FaceFrame {
  return {
    width: bitmap.width,
    height: bitmap.height,
    letterbox(box, mirror) {
      const { size, scale, padX, padY, rect } = box;
      canvas ??= new OffscreenCanvas(size, size);
      if (canvas.width !== size || canvas.height !== size) canvas.width = canvas.height = size;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.setTransform(mirror ? -1 : 1, 0, 0, 1, mirror ? size : 0, 0);
      ctx.clearRect(0, 0, size, size);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'low';
      ctx.drawImage(bitmap, rect[0], rect[1], rect[2], rect[3], padX, padY, rect[2] * scale, rect[3] * scale);
      return fromLetterboxedRgba(ctx.getImageData(0, 0, size, size).data, box);
    },
  };
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
      try {
        const result = await runtime.surviveDeviceLoss(() => detectFaces(bitmapFrame(bitmap), run, { ...options, signal }));
        return { ...result, width, height, backend: await runtime.info() };
      } finally {
        bitmap.close();
      }
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
