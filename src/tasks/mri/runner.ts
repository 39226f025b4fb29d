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

/**
 * Adapts a DF-Net session (input "image" [B,1,S,S] → "logits" [B,4,S,S], "df" [B,2,S,S], B dynamic) to the core
 * pipeline: the slices of one call run as one batch.
 */
export function mriRunner(model: Model): RunMriModel {
  const input = model.manifest.inputs[0].name;
  const [logitsName, dfName] = model.manifest.outputs.map((o) => o.name);
  return async (inputs, size) => {
    const plane = size * size;
    const data = new Float32Array(inputs.length * plane);
    inputs.forEach((x, i) => data.set(x, i * plane));
    const out = await model.run({ [input]: { data, dims: [inputs.length, 1, size, size] } });
    const [logits, df] = [out[logitsName], out[dfName]];
    const per = (a: Float32Array, i: number) => a.slice((i * a.length) / inputs.length, ((i + 1) * a.length) / inputs.length);
    return inputs.map((_, i) => ({ logits: per(logits, i), df: per(df, i) }));
  };
}
