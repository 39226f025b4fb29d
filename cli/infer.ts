// `npm run -s infer -- <task> …`: the studio's pipelines, headless in Node, for batch use.
import { parseArgs } from 'node:util';
import { ERROR_ADVICE, toUserError } from '../src/runtime/errors';
import { detectFacesInFiles, type FaceFileResult } from './face';

const USAGE = `Usage:
  npm run -s infer -- face <image files…> [--accurate] [--model short|full] [--threshold 0.5] [--json]

Tasks: face. (mri, ct and chat are not built yet.)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function printFaces(results: FaceFileResult[]): void {
  for (const r of results) {
    process.stdout.write(`${r.file} (${r.width}×${r.height}): ${r.faces.length} face${r.faces.length === 1 ? '' : 's'}\n`);
    for (const f of r.faces) process.stdout.write(`  score ${f.score.toFixed(3)}  box [${f.box.map((v) => v.toFixed(1)).join(', ')}]\n`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [task, ...rest] = argv;
  if (!task || task === '--help' || task === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return task ? 0 : 2;
  }
  if (task !== 'face') fail(task === 'mri' || task === 'ct' || task === 'chat' ? `infer: the ${task} task is not built yet.\n${USAGE}` : `infer: unknown task "${task}".\n${USAGE}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        accurate: { type: 'boolean', default: false },
        model: { type: 'string', default: 'short' },
        threshold: { type: 'string', default: '0.5' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    fail(`infer: ${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) fail(`infer: no image files given.\n${USAGE}`);
  if (values.model !== 'short' && values.model !== 'full') fail(`infer: --model must be "short" or "full", not "${values.model}".`);
  const threshold = Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) fail(`infer: --threshold must be a number between 0 and 1, not "${values.threshold}".`);

  const { results, errors } = await detectFacesInFiles(positionals, { model: values.model === 'short' ? 'blazeface-short' : 'blazeface-full', accurate: values.accurate, scoreThreshold: threshold });
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else printFaces(results);
  for (const { file, error } of errors) {
    const e = toUserError(error);
    process.stderr.write(`${file}: ${ERROR_ADVICE[e.code].title} ${e.detail}\n`);
  }
  return errors.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const e = toUserError(error);
    process.stderr.write(`infer: ${e.title} ${e.detail}\n`);
    process.exit(1);
  },
);
