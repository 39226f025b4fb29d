import { toUserError, ERROR_ADVICE } from '../src/errors';
import { loadModelFromDisk } from '../src/runtime/node';
import type { FaceModelId } from '../src/tasks/face/core/models';
import { detectFaces, rgbaFrame } from '../src/tasks/face/core/pipeline';
import type { Face } from '../src/tasks/face/core/types';
import { faceRunner } from '../src/tasks/face/runner';
import { DEFAULT_SCORE_THRESHOLD } from '../src/tasks/face/core/thresholds';
import { UsageError, parse } from './args';
import { readRgba } from './io';

export interface FaceFileResult {
  file: string;
  width: number;
  height: number;
  faces: Face[];
}


const run = faceRunner((id: FaceModelId) => loadModelFromDisk('face', id));

export async function faceMain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    accurate: { type: 'boolean', default: false },
    model: { type: 'string', default: 'short' },
    threshold: { type: 'string', default: String(DEFAULT_SCORE_THRESHOLD) },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length === 0) throw new UsageError('no image files given.');
  if (values.model !== 'short' && values.model !== 'full') throw new UsageError(`--model must be "short" or "full", not "${values.model}".`);
  const scoreThreshold = Number(values.threshold);
  if (!(scoreThreshold >= 0 && scoreThreshold <= 1)) throw new UsageError(`--threshold must be a number between 0 and 1, not "${values.threshold}".`);
  const model: FaceModelId = values.model === 'short' ? 'blazeface-short' : 'blazeface-full';

  const results: FaceFileResult[] = [];
  let failed = 0;
  for (const file of positionals) {
    try {
      const image = await readRgba(file);
      const { faces } = await detectFaces(rgbaFrame(image), run, { model, accurate: values.accurate, scoreThreshold });
      results.push({ file, width: image.width, height: image.height, faces });
    } catch (error) {
      failed++;
      const e = toUserError(error);
      process.stderr.write(`${file}: ${ERROR_ADVICE[e.code].title} ${e.detail}\n`);
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else {
    for (const r of results) {
      process.stdout.write(`${r.file} (${r.width}×${r.height}): ${r.faces.length} face${r.faces.length === 1 ? '' : 's'}\n`);
      for (const f of r.faces) process.stdout.write(`  score ${f.score.toFixed(3)}  box [${f.box.map((v) => v.toFixed(1)).join(', ')}]\n`);
    }
  }
  return failed ? 1 : 0;
}
