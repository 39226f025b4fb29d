import type { Manifest } from '../../runtime/manifest';
import type { Model } from '../../runtime/session';
import type { RunMriModel } from './core/pipeline';
import { DFNET_PREPROCESS, type MriPreprocess } from './core/preprocess';

export const MRI_MODEL_ID = 'dfnet';

/** The model's preprocessing contract from its manifest (`preprocess`), else DF-Net's defaults. */
export function preprocessOf(manifest: Manifest): MriPreprocess {
  const p = manifest.preprocess;
  return p ? { spacingMm: p.spacingMm, cropSize: p.cropSize } : DFNET_PREPROCESS;
}

/** Adapts a DF-Net session (input "image" [1,1,S,S] → "logits" [1,4,S,S], "df" [1,2,S,S]) to the core pipeline. */
export function mriRunner(model: Model): RunMriModel {
  const input = model.manifest.inputs[0].name;
  const [logitsName, dfName] = model.manifest.outputs.map((o) => o.name);
  return async (data, size) => {
    const out = await model.run({ [input]: { data, dims: [1, 1, size, size] } });
    return { logits: out[logitsName], df: out[dfName] };
  };
}
