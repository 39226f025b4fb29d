import type { Model } from '../../runtime/session';
import { FACE_MODELS, type FaceModelId } from './core/models';
import type { RunFaceModel } from './core/pipeline';

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Adapts loaded BlazeFace sessions to the core pipeline: the manifest lists the score outputs of both anchor
 * grids, then the regressor outputs of both; the core wants each pair concatenated in anchor order.
 */
export function faceRunner(getModel: (id: FaceModelId) => Promise<Model>): RunFaceModel {
  return async (id, input) => {
    const model = await getModel(id);
    const size = FACE_MODELS[id].inputSize;
    const [scores1, scores2, boxes1, boxes2] = model.manifest.outputs.map((o) => o.name);
    const out = await model.run({ [model.manifest.inputs[0].name]: { data: input, dims: [1, size, size, 3] } });
    return { logits: concat(out[scores1], out[scores2]), regressors: concat(out[boxes1], out[boxes2]) };
  };
}
