import { LoupeError } from '../../errors';
import type { Manifest } from '../../runtime/manifest';
import type { Model } from '../../runtime/session';
import type { RunCtModel } from './core/classify';
import { CT_CLASSES } from './core/classify';
import { CT_INPUT } from './core/preprocess';

export const CT_MODEL_ID = 'ucadi-densenet';

/**
 * Checks that a manifest describes a classifier Loupe can run in place of the default: one input
 * [batch, 1, 16, 128, 128], a 4-class "logits" output, and optionally a "cam" output. Names what is wrong.
 */
export function checkCtContract(manifest: Manifest): { logits: string; cam?: string } {
  const problems: string[] = [];
  if (manifest.task !== 'ct') problems.push(`task is "${manifest.task}", not "ct"`);
  const shape = manifest.inputs[0]?.shape ?? [];
  const spatial = shape.slice(1).map(Number);
  if (shape.length !== 5 || spatial.join() !== [1, ...CT_INPUT].join()) problems.push(`input shape is [${shape.join(', ')}], not [batch, 1, ${CT_INPUT.join(', ')}]`);
  const logits = manifest.outputs.find((o) => o.name === 'logits') ?? manifest.outputs[0];
  if (!logits || Number(logits.shape.at(-1)) !== CT_CLASSES.length) problems.push(`no output with ${CT_CLASSES.length} class logits`);
  if (manifest.labels.length && manifest.labels.join() !== CT_CLASSES.join()) problems.push(`labels are [${manifest.labels.join(', ')}], not [${CT_CLASSES.join(', ')}]`);
  if (problems.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${manifest.id}: ${problems.join('; ')}`);
  return { logits: logits!.name, cam: manifest.outputs.find((o) => o.name === 'cam')?.name };
}

export function ctRunner(model: Model): RunCtModel {
  const { logits, cam } = checkCtContract(model.manifest);
  const input = model.manifest.inputs[0].name;
  return async (data) => {
    const out = await model.run({ [input]: { data, dims: [1, 1, ...CT_INPUT] } });
    return { logits: out[logits], cam: cam ? out[cam] : undefined };
  };
}
