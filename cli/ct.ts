import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { readVolume } from '../src/io/readVolume';
import { loadModelFromDisk, MODELS_DIR } from '../src/runtime/node';
import { classifyVolume } from '../src/tasks/ct/core/classify';
import { CT_MODEL_ID, ctRunner } from '../src/tasks/ct/runner';
import { asHuFromImages } from '../src/tasks/ct/core/hu';
import { UsageError, parse } from './args';
import { readRgba } from './face';
import { filesUnder } from './mri';

const SAMPLINGS = 3;

export async function ctMain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false }, model: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('give exactly one NIfTI file, DICOM file or folder, or folder of slice images.');
  if (!values.model && !existsSync(join(MODELS_DIR, 'ct', CT_MODEL_ID, 'manifest.json'))) {
    throw new UsageError('the default CT model is missing (public/models/ct/ucadi-densenet/): restore it from the repository, or pass --model <manifest.json|folder> (for example a UCADI checkpoint converted by training/ct/export_checkpoint.py).');
  }
  const input = positionals[0];
  const files = (await stat(input)).isDirectory() ? await filesUnder(input) : [{ name: basename(input), bytes: new Uint8Array(await readFile(input)) }];
  const volume = asHuFromImages(await readVolume(files, (f) => readRgba(f.bytes, f.name)));
  const manifest = values.model ? (/\.json$/i.test(values.model) ? resolve(values.model) : join(resolve(values.model), 'manifest.json')) : undefined;
  const model = await loadModelFromDisk('ct', CT_MODEL_ID, manifest);
  const [nx, ny, nz] = volume.dims;
  const result = await classifyVolume(volume.data.subarray(0, nx * ny * nz), [nx, ny, nz], ctRunner(model), { samplings: SAMPLINGS });
  const probabilities = Object.fromEntries(Object.entries(result.probabilities).map(([k, p]) => [k, Math.round(p * 1e4) / 1e4]));
  if (values.json) process.stdout.write(`${JSON.stringify({ file: input, probabilities, top: result.top })}\n`);
  else {
    process.stdout.write(`${input}: ${result.top} (${model.manifest.name}, ${result.samplings} samplings averaged)\n`);
    for (const [k, p] of Object.entries(probabilities)) process.stdout.write(`  ${k.padEnd(10)} ${(p * 100).toFixed(1)}%\n`);
    if (volume.source.note) process.stdout.write(`  note: ${volume.source.note}\n`);
  }
  return 0;
}
