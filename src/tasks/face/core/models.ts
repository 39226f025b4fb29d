import { FULL_RANGE_ANCHORS, SHORT_RANGE_ANCHORS, generateAnchors, type SsdAnchorOptions } from './anchors';

export type FaceModelId = 'blazeface-short' | 'blazeface-full';

export interface FaceModelSpec {
  id: FaceModelId;
  label: string;
  inputSize: number;
  anchorOptions: SsdAnchorOptions;
}

export const FACE_MODELS: Record<FaceModelId, FaceModelSpec> = {
  'blazeface-short': { id: 'blazeface-short', label: 'Close-up faces (selfies, webcam)', inputSize: 128, anchorOptions: SHORT_RANGE_ANCHORS },
  'blazeface-full': { id: 'blazeface-full', label: 'Faces further away (rooms, scenes)', inputSize: 256, anchorOptions: FULL_RANGE_ANCHORS },
};

export const FACE_MODEL_IDS = Object.keys(FACE_MODELS) as FaceModelId[];

const anchorCache = new Map<FaceModelId, Float32Array>();

export function anchorsFor(id: FaceModelId): Float32Array {
  let anchors = anchorCache.get(id);
  if (!anchors) {
    anchors = generateAnchors(FACE_MODELS[id].anchorOptions);
    anchorCache.set(id, anchors);
  }
  return anchors;
}
