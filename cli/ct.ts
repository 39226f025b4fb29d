import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModelFromDisk, MODELS_DIR } from '../src/runtime/node';
import { classifyVolume } from '../src/tasks/ct/core/classify';
import { CT_MODEL_ID, ctRunner } from '../src/tasks/ct/runner';
import { asHuFromImages } from '../src/tasks/ct/core/hu';
import { checkCtInput } from '../src/tasks/ct/core/refuse';
import { UsageError, parse } from './args';
import { readVolumeAt } from './io';

export async function ctMain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false }, model: { type: 'string' }, windowed: { type: 'boolean', default: false } });
  if (positionals.length !== 1) throw new UsageError('give exactly one NIfTI file, DICOM file or folder, or folder of slice images.');
  if (!values.model && !existsSync(join(MODELS_DIR, 'ct', CT_MODEL_ID, 'manifest.json'))) {
    throw new UsageError('the default CT model is missing (public/models/ct/ucadi-densenet/): restore it from the repository, or pass --model <manifest.json|folder> (for example a UCADI checkpoint converted by training/ct/export_checkpoint.py).');
  }
  const input = positionals[0];
  const volume = asHuFromImages(await readVolumeAt(input));
  const rejection = checkCtInput(volume, { windowedSlices: values.windowed });
  if (rejection) {
    // Not a chest CT in HU: the reason, no probabilities; exit 3 so batch scripts can tell a refusal from a failure.
    if (values.json) process.stdout.write(`${JSON.stringify({ file: input, rejected: rejection })}\n`);
    else process.stdout.write(`${input}: refused (${rejection.code}): ${rejection.reason}\n`);
    return 3;
  }
  const manifest = values.model ? (/\.json$/i.test(values.model) ? resolve(values.model) : join(resolve(values.model), 'manifest.json')) : undefined;
  const model = await loadModelFromDisk('ct', CT_MODEL_ID, manifest);
  const [nx, ny, nz] = volume.dims;
  const result = await classifyVolume(volume.data.subarray(0, nx * ny * nz), [nx, ny, nz], ctRunner(model));
  const probabilities = Object.fromEntries(Object.entries(result.probabilities).map(([k, p]) => [k, Math.round(p * 1e4) / 1e4]));
  if (values.json) process.stdout.write(`${JSON.stringify({ file: input, probabilities, top: result.top })}\n`);
  else {
    process.stdout.write(`${input}: ${result.top} (${model.manifest.name}, ${result.samplings} samplings averaged)\n`);
    for (const [k, p] of Object.entries(probabilities)) process.stdout.write(`  ${k.padEnd(10)} ${(p * 100).toFixed(1)}%\n`);
    if (volume.source.note) process.stdout.write(`  note: ${volume.source.note}\n`);
  }
  return 0;
}
