import { LoupeError, throwIfAborted } from '../../../errors';
import { planViews, isWhollyInside, type View } from './accurate';
import { decodeFaces } from './decode';
import { fuseByVoting } from './fuse';
import { computeLetterbox, toImageFace, toLetterboxedNHWC, type Letterbox } from './letterbox';
import { FACE_MODELS, anchorsFor, type FaceModelId } from './models';
import type { RgbaImage } from '../../../io/image';
import type { Face } from './types';

/** Runs one face model on an NHWC tensor; injected so this pipeline stays free of ONNX Runtime. */
export type RunFaceModel = (model: FaceModelId, input: Float32Array) => Promise<{ logits: Float32Array; regressors: Float32Array }>;

/**
 * The picture faces are detected in: its size, and each view's model input (a rect letterboxed into the model's
 * square, mirrored or not) made on demand. From decoded pixels (`rgbaFrame`), or in the face worker by drawing the
 * view scaled onto a model-sized canvas, so a camera frame is never read back whole.
 */
export interface FaceFrame {
  width: number;
  height: number;
  letterbox(box: Letterbox, mirror: boolean): Float32Array;
}

/** Decoded RGBA pixels as a frame: each view resampled bilinearly in JS (`toLetterboxedNHWC`). */
export function rgbaFrame(image: RgbaImage): FaceFrame {
  return { width: image.width, height: image.height, letterbox: (box, mirror) => toLetterboxedNHWC(image, box, mirror) };
}

export interface DetectOptions {
  model: FaceModelId;
  /** Multi-scale tiles + mirror + both models, fused by box voting (FDNet1.0's test-time recipe). */
  accurate?: boolean;
  /** Faces scoring below are dropped. The UI asks for a low floor and filters with its slider. */
  scoreThreshold: number;
  /** Checked before every view (accurate mode runs several); once aborted the run stops with an ABORTED error. */
  signal?: AbortSignal;
}

export interface StageTimes {
  preMs: number;
  inferMs: number;
  postMs: number;
}

export interface Detections {
  faces: Face[];
  times: StageTimes;
  /** Model inferences run. */
  passes: number;
}

/** MediaPipe's BlazeFace graphs blend detections overlapping by IoU ≥ 0.3. */
export const NMS_IOU = 0.3;
/** Accurate mode keeps a face only when three views vote for it: a mirrored pair alone can agree on a false positive (the helmet latch in astronaut.png). */
export const VOTE_IOU = 0.4;
export const MIN_VOTES = 3;

export async function detectFaces(
  frame: FaceFrame,
  run: RunFaceModel,
  { model, accurate = false, scoreThreshold, signal }: DetectOptions,
  now: () => number = () => performance.now(),
): Promise<Detections> {
  const { width, height } = frame;
  if (width < 1 || height < 1) throw new LoupeError('CORRUPT_IMAGE', `image has no pixels (${width}×${height})`);
  const views: View[] = accurate ? planViews(width, height) : [{ rect: [0, 0, width, height], model, mirror: false }];
  const times: StageTimes = { preMs: 0, inferMs: 0, postMs: 0 };
  const found: Face[] = [];
  for (const [i, view] of views.entries()) {
    throwIfAborted(signal, `stopped after ${i} of ${views.length} views`);
    const spec = FACE_MODELS[view.model];
    let t = now();
    const box = computeLetterbox(view.rect, spec.inputSize);
    const input = frame.letterbox(box, view.mirror);
    times.preMs += now() - t;
    t = now();
    const { logits, regressors } = await run(view.model, input);
    times.inferMs += now() - t;
    t = now();
    const decoded = decodeFaces(logits, regressors, anchorsFor(view.model), spec.inputSize, scoreThreshold);
    const faces = fuseByVoting(decoded, { iouThreshold: NMS_IOU }).map((f) => toImageFace(f, box, view.mirror));
    for (const f of faces) if (isWhollyInside(f, view.rect, width, height)) found.push(f);
    times.postMs += now() - t;
  }
  const t = now();
  const faces = accurate ? fuseByVoting(found, { iouThreshold: VOTE_IOU, minVotes: MIN_VOTES }) : found;
  faces.sort((a, b) => b.score - a.score);
  times.postMs += now() - t;
  return { faces, times, passes: views.length };
}
