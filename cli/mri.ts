import sharp from 'sharp';
import { writeFile } from 'node:fs/promises';
import { writeNiftiLabels } from '../src/io/nifti';
import { loadModelFromDisk } from '../src/runtime/node';
import { cardiacFunction } from '../src/tasks/mri/core/measures';
import { analyseVolume, measure } from '../src/tasks/mri/core/pipeline';
import { MRI_MODEL_ID, mriRunner, preprocessOf } from '../src/tasks/mri/runner';
import { UsageError, parse } from './args';
import { readVolumeAt } from './io';


const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const roundAll = <T extends Record<string, number>>(o: T) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)])) as T;

export async function mriMain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false }, out: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('give exactly one NIfTI file, DICOM file or folder, or image.');
  const input = positionals[0];
  const volume = await readVolumeAt(input);
  const model = await loadModelFromDisk('mri', MRI_MODEL_ID);
  const analysis = await analyseVolume(volume, mriRunner(model), { preprocess: preprocessOf(model.manifest) });
  if (analysis.rejection) {
    // Not a cardiac short-axis MRI: the reason, no numbers; exit 3 so batch scripts can tell a refusal from a failure.
    if (values.json) process.stdout.write(`${JSON.stringify({ file: input, rejected: analysis.rejection })}\n`);
    else process.stdout.write(`${input}: refused (${analysis.rejection.code}): ${analysis.rejection.reason}\n`);
    return 3;
  }
  const { labels } = analysis.segmentation;
  const m = measure(labels, volume);
  const [nx, ny, nz, nt] = volume.dims;
  const { ed, es } = m.suggested;
  const fn = nt > 1 ? cardiacFunction(m.volumesMl[ed], m.volumesMl[es]) : undefined;
  const result = {
    file: input,
    shape: nt > 1 ? [nx, ny, nz, nt] : [nx, ny, nz],
    spacingMm: volume.spacingMm.map((s) => round(s, 4)),
    /** At end-diastole (the frame with the largest LV volume) when there are several frames. */
    volumesMl: roundAll(m.volumesMl[ed]),
    areasMm2: m.areasMm2[ed].map((a) => roundAll(a)),
    ...(nt > 1 && {
      frames: m.volumesMl.map((v) => roundAll(v)),
      edFrame: ed,
      esFrame: es,
    }),
    ...(fn && { edvMl: round(fn.edvMl), esvMl: round(fn.esvMl), efPercent: round(fn.efPercent), massG: round(fn.massG) }),
  };
  if (values.out) {
    if (volume.source.format === 'image' && nz === 1) {
      await sharp(Buffer.from(labels), { raw: { width: nx, height: ny, channels: 1 } }).png().toFile(values.out);
    } else {
      await writeFile(values.out, writeNiftiLabels(labels, volume, { gzip: /\.gz$/i.test(values.out) }));
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`${input}: ${result.shape.join('×')} at ${result.spacingMm.join(' × ')} mm\n`);
    process.stdout.write(`  volumes (frame ${ed}): LV ${result.volumesMl.LV} mL, RV ${result.volumesMl.RV} mL, MYO ${result.volumesMl.MYO} mL\n`);
    if (fn) process.stdout.write(`  ED frame ${ed}, ES frame ${es}: EF ${round(fn.efPercent)}%, mass ${round(fn.massG)} g\n`);
    if (values.out) process.stdout.write(`  labels written to ${values.out}\n`);
  }
  return 0;
}
