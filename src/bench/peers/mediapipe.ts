// Google's @mediapipe/face_detection as a benchmark peer. Its solution API runs on the main thread by design (it
// owns a WebGL canvas and a WASM graph there); Loupe never runs a model on the main thread, and this peer runs only
// inside the Benchmark panel while a run is in progress. Its files are served from our own origin (vite.config.ts
// copies them to /mediapipe/face_detection/), so the page still makes no request elsewhere.
import type { FaceDetection, Results } from '@mediapipe/face_detection';
import mediapipePackage from '@mediapipe/face_detection/package.json?raw';
import { boxFromNormalizedRect, type Box } from '../core/match';

export const MEDIAPIPE_VERSION: string = (JSON.parse(mediapipePackage) as { version: string }).version;
const BASE = `${import.meta.env.BASE_URL}mediapipe/face_detection/`;

let script: Promise<void> | undefined;

function loadScript(): Promise<void> {
  script ??= new Promise<void>((resolve, reject) => {
    const el = document.createElement('script');
    el.src = `${BASE}face_detection.js`;
    el.crossOrigin = 'anonymous';
    el.onload = () => resolve();
    el.onerror = () => {
      script = undefined;
      reject(new Error(`could not load ${el.src}`));
    };
    document.head.append(el);
  });
  return script;
}

export interface MediaPipeFaces {
  /** One frame through the whole `send()` (upload, graph, TFLite + XNNPACK inference, decoding); boxes in pixels. */
  detect(frame: HTMLCanvasElement): Promise<{ ms: number; boxes: Box[] }>;
  /** The WASM binary it actually fetched, from resource timing. */
  wasmFile(): string;
  close(): Promise<void>;
}

/** The short-range model on MediaPipe's CPU path (`useCpuInference: true`): the fair peer of our WASM backend. */
export async function startMediaPipe(): Promise<MediaPipeFaces> {
  await loadScript();
  const Ctor = (window as unknown as { FaceDetection?: typeof FaceDetection }).FaceDetection;
  if (!Ctor) throw new Error('face_detection.js loaded but defined no FaceDetection');
  const fd = new Ctor({ locateFile: (file: string) => `${BASE}${file}` });
  let pending: ((r: Results) => void) | undefined;
  fd.onResults((r) => {
    pending?.(r);
    pending = undefined;
  });
  // `useCpuInference` is a graph option of this build that its typings do not list. No minDetectionConfidence:
  // passing it crashed the graph (PEERS.md); its default is 0.5.
  fd.setOptions({ model: 'short', useCpuInference: true } as Parameters<FaceDetection['setOptions']>[0]);
  await fd.initialize();

  const detect = async (frame: HTMLCanvasElement) => {
    const t = performance.now();
    const results = new Promise<Results>((resolve) => (pending = resolve));
    await fd.send({ image: frame });
    const r = await results;
    const ms = performance.now() - t;
    return { ms, boxes: (r.detections ?? []).map((d) => boxFromNormalizedRect(d.boundingBox, frame.width, frame.height)) };
  };

  return {
    detect,
    wasmFile: () =>
      performance
        .getEntriesByType('resource')
        .map((e) => e.name)
        .filter((n) => /face_detection_solution.*\.wasm$/.test(n))
        .map((n) => n.slice(n.lastIndexOf('/') + 1))
        .join(', ') || 'unknown',
    close: () => fd.close(),
  };
}
