// Face worker: wires the runtime (sessions) to the pure face pipeline. Thin by design.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import { initRuntime, loadModel, type RuntimeOptions } from '../src/runtime/browser';
import { LoupeError } from '../src/runtime/errors';
import type { OnProgress } from '../src/runtime/fetchModel';
import { ModelCache, type Model } from '../src/runtime/session';
import type { FaceModelId } from '../src/tasks/face/core/models';
import { detectFaces, type DetectOptions, type Detections } from '../src/tasks/face/core/pipeline';
import { faceRunner } from '../src/tasks/face/runner';

export interface FaceResult extends Detections {
  width: number;
  height: number;
  backend: BackendInfo;
}

let backend: Promise<BackendInfo> | undefined;
let progress: OnProgress | undefined;
const models = new ModelCache();

async function getModel(id: FaceModelId): Promise<Model> {
  const info = await requireBackend();
  try {
    return await models.get(id, info.ep, () => loadModel('face', id, info.ep, progress));
  } catch (error) {
    if ((error as Error).name !== 'WEBGPU_UNAVAILABLE') throw error;
    // WebGPU failed for this model: fall back to WASM for the rest of this worker's life, and say so.
    const reason = `WebGPU failed (${(error as Error).message}); using WASM.`;
    backend = Promise.resolve({ ...info, ep: 'wasm', adapter: undefined, fallbackReason: reason });
    return models.get(id, 'wasm', () => loadModel('face', id, 'wasm', progress));
  }
}

function requireBackend(): Promise<BackendInfo> {
  if (!backend) throw new LoupeError('INFERENCE_FAILED', 'the face worker was used before init()');
  return backend;
}

const run = faceRunner(getModel);
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
    progress = onProgress;
    backend ??= initRuntime(options, onProgress);
    backend.catch(() => (backend = undefined));
    return backend;
  },

  /** Downloads (or reads from cache), creates and warms a model's session. */
  async load(id: FaceModelId): Promise<BackendInfo> {
    await getModel(id);
    return requireBackend();
  },

  /** Detects faces in a transferred bitmap (closed here). */
  async detect(bitmap: ImageBitmap, options: DetectOptions): Promise<FaceResult> {
    const { width, height } = bitmap;
    const pre = performance.now();
    const image = toRgba(bitmap);
    const decodeMs = performance.now() - pre;
    const result = await detectFaces(image, run, options);
    result.times.preMs += decodeMs;
    return { ...result, width, height, backend: await requireBackend() };
  },

  async dispose(): Promise<void> {
    await models.releaseAll();
  },
};

export type FaceWorkerApi = typeof api;

Comlink.expose(api);
