// Measures a model's int8-weights variant (training/common/quantise.py) against the float32 model it came from, on the
// CLI's Node path (onnxruntime-web WASM, 1 thread, the studio's session options), alternating which goes first.
// chat: every question of training/chat/results/grounding_sets.json answered greedily by both (up to 64 new tokens):
//   identical answers and tokens, decode time; and, from scripts/chat-grounding.ts's results for both models (run it
//   first for each: `npx tsx scripts/chat-grounding.ts [--model ID]`), what a user is shown. Writes
//   public/models/chat/<int8 id>/quantisation.json, which training/common/quantise.py puts into that model's card.
// mri, ct: the variant from `python3 -m common.quantise` (public/models/<task>/<id>-int8/, or --dir): Dice on the two phantom fixtures
//   and Sunnybrook LV Dice (mri), the fixtures' probabilities (ct), time per volume; writes bench/results/quantisation-<task>.json.
//   npx tsx scripts/quantisation.ts [--source wordnet-dssn] [--quantised wordnet-dssn-int8]
//   npx tsx scripts/quantisation.ts --task mri --dir public/models/mri/dfnet-int8
//   npx tsx scripts/quantisation.ts --task ct --dir /tmp/q/ct/ucadi-densenet-int8
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readVolumeAt } from '../cli/io';
import { sunnybrookSlices } from './sunnybrook';
import type { Volume } from '../src/io/volume';
import type { Model } from '../src/runtime/session';
import { configureNodeRuntime, diskSource, loadModelFromDisk, MODELS_DIR } from '../src/runtime/node';
import { classifyVolume } from '../src/tasks/ct/core/classify';
import { asHuFromImages } from '../src/tasks/ct/core/hu';
import { CT_MODEL_ID, ctRunner } from '../src/tasks/ct/runner';
import { dice } from '../src/tasks/mri/core/measures';
import { segmentVolume } from '../src/tasks/mri/core/pipeline';
import { MRI_MODEL_ID, mriRunner, preprocessOf } from '../src/tasks/mri/runner';
import { DEFAULT_CHAT_SETTINGS, chatTurn } from '../src/tasks/chat/core/chat';
import { CHAT_DEFAULT_MODEL } from '../src/tasks/chat/models';
import { openWarmChatModel } from '../src/tasks/chat/runner';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const SOURCE = arg('--source', CHAT_DEFAULT_MODEL);
const QUANTISED = arg('--quantised', `${SOURCE}-int8`);
const TASK = arg('--task', 'chat');
const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'training', 'chat', 'results');

/** Runs `a` and `b` on each case, alternating which goes first; returns both results and their summed times. */
async function pairs<C, R>(cases: C[], a: (c: C) => Promise<R>, b: (c: C) => Promise<R>) {
  const ms = [0, 0];
  const out: [R, R][] = [];
  for (const [i, c] of cases.entries()) {
    const r: R[] = [];
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      const t = performance.now();
      r[k] = await (k ? b : a)(c);
      ms[k] += performance.now() - t;
    }
    out.push([r[0], r[1]]);
  }
  return { out, ms };
}

async function vision(task: 'mri' | 'ct', dir: string): Promise<void> {
  const id = task === 'mri' ? MRI_MODEL_ID : CT_MODEL_ID;
  const models: [Model, Model] = [await loadModelFromDisk(task, id), await loadModelFromDisk(task, `${id}-int8`, join(dir, 'manifest.json'))];
  const bytes = [join(MODELS_DIR, task, id, 'model.onnx'), join(dir, 'model.onnx')].map((f) => readFileSync(f).length);
  const rows: { measure: string; source: string; quantised: string }[] = [{ measure: 'model.onnx', source: `${bytes[0].toLocaleString('en')} bytes`, quantised: `${bytes[1].toLocaleString('en')} bytes` }];
  if (task === 'mri') {
    const preprocess = preprocessOf(models[0].manifest);
    const seg = (k: 0 | 1) => async (v: Volume) => (await segmentVolume(v, mriRunner(models[k]), { preprocess })).labels;
    for (const [name, file] of [['phantom cine (training generator)', 'mri/sax_phantom'], ['independent generator cine', 'mri-independent/sax_phantom_b']]) {
      const volume = await readVolumeAt(join(ROOT, 'tests', 'fixtures', `${file}_image.nii.gz`));
      const truth = Uint8Array.from((await readVolumeAt(join(ROOT, 'tests', 'fixtures', `${file}_label.nii.gz`))).data);
      const { out, ms } = await pairs([volume, volume, volume], seg(0), seg(1));
      const d = (labels: Uint8Array) => [1, 2, 3].map((l) => dice(labels, truth, l).toFixed(3)).join(' / ');
      rows.push({ measure: `${name}: Dice RV / MYO / LV`, source: d(out[0][0]), quantised: d(out[0][1]) });
      rows.push({ measure: `${name}: seconds per volume (${volume.dims[2] * volume.dims[3]} slices, mean of 3, alternating)`, source: (ms[0] / 3000).toFixed(2), quantised: `${(ms[1] / 3000).toFixed(2)} (${(ms[1] / ms[0]).toFixed(2)}×)` });
    }
    const slices = await sunnybrookSlices();
    const { out } = await pairs(slices, (c) => seg(0)(c.volume), (c) => seg(1)(c.volume));
    const mean = (k: 0 | 1) => out.reduce((s, r, i) => s + dice(r[k], slices[i].truth, 3), 0) / out.length;
    rows.push({ measure: `Sunnybrook LV Dice, mean of ${out.length} real slices (before the refusal rules)`, source: mean(0).toFixed(3), quantised: mean(1).toFixed(3) });
  } else {
    for (const name of ['covid19', 'healthy']) {
      const volume = asHuFromImages(await readVolumeAt(join(ROOT, 'tests', 'fixtures', 'ct', `${name}_dicom`)));
      const [nx, ny, nz] = volume.dims;
      const run = (k: 0 | 1) => () => classifyVolume(volume.data.subarray(0, nx * ny * nz), [nx, ny, nz], ctRunner(models[k]));
      const { out, ms } = await pairs([0, 1, 2], run(0), run(1));
      const p = (r: Awaited<ReturnType<ReturnType<typeof run>>>) => `${r.top}: ${Object.values(r.probabilities).map((v) => v.toFixed(3)).join(' / ')}`;
      rows.push({ measure: `${name} fixture series: top class, probabilities healthy / covid19 / viral / bacterial`, source: p(out[0][0]), quantised: p(out[0][1]) });
      rows.push({ measure: `${name}: seconds per classification (mean of 3, alternating)`, source: (ms[0] / 3000).toFixed(2), quantised: `${(ms[1] / 3000).toFixed(2)} (${(ms[1] / ms[0]).toFixed(2)}×)` });
    }
  }
  for (const r of rows) console.log(`| ${r.measure} | ${r.source} | ${r.quantised} |`);
  const out = {
    task,
    source: id,
    quantised: `${id}-int8 (training/common/quantise.py)`,
    sha256: createHash('sha256').update(readFileSync(join(dir, 'model.onnx'))).digest('hex'),
    sourceLabel: `float32 (${id})`,
    label: 'int8 weights',
    rows,
    note: `The studio's pipeline in Node (the CLI's path), both models on the same inputs, alternating; ${task === 'mri' ? 'Dice after the anatomical clean-up, against the fixtures\' label maps and the Sunnybrook LV masks' : 'probabilities averaged over the samplings, as the CT tab shows them'}.`,
  };
  writeFileSync(join(ROOT, 'bench', 'results', `quantisation-${task}.json`), JSON.stringify(out, null, 1) + '\n');
  // A shipped variant's folder keeps its measurement, which training/common/quantise.py puts into its card.
  if (dir.startsWith(MODELS_DIR)) writeFileSync(join(dir, 'quantisation.json'), JSON.stringify(out, null, 1) + '\n');
}

await configureNodeRuntime();
if (TASK !== 'chat') {
  await vision(TASK === 'ct' ? 'ct' : 'mri', resolve(arg('--dir', join(MODELS_DIR, TASK, `${TASK === 'ct' ? CT_MODEL_ID : MRI_MODEL_ID}-int8`))));
  process.exit(0);
}
async function open(id: string) {
  const folder = await diskSource(join(MODELS_DIR, 'chat', id));
  return openWarmChatModel(folder, { ep: 'wasm', id, name: id, source: 'shipped', manifest: folder.manifest });
}
const models = [await open(SOURCE), await open(QUANTISED)];
const { sets } = JSON.parse(readFileSync(join(RESULTS, 'grounding_sets.json'), 'utf8')) as { sets: Record<string, { question: string }[]> };
const settings = { ...DEFAULT_CHAT_SETTINGS, maxNewTokens: 64 };

let answers = 0;
let sameAnswers = 0;
let tokens = 0;
let sameTokens = 0;
const decodeMs = [0, 0];
const decoded = [0, 0];
const perSet: Record<string, { questions: number; identical: number }> = {};
for (const [name, items] of Object.entries(sets)) {
  perSet[name] = { questions: 0, identical: 0 };
  for (const [i, item] of items.entries()) {
    const results = [];
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      const { lm, tokenizer, info } = models[k];
      const r = await chatTurn(lm, tokenizer, [{ role: 'user', content: item.question }], settings, { eosTokenIds: info.eosTokenIds, maxPositions: info.contextLength });
      results[k] = r;
      decodeMs[k] += r.totalMs - r.ttftMs;
      decoded[k] += Math.max(0, r.tokens.length - 1);
    }
    const [a, b] = results;
    answers++;
    perSet[name].questions++;
    if (a.text === b.text) (sameAnswers++, perSet[name].identical++);
    const first = a.tokens.findIndex((t, j) => b.tokens[j] !== t);
    tokens += a.tokens.length;
    sameTokens += first < 0 ? Math.min(a.tokens.length, b.tokens.length) : first;
  }
  console.error(`[quantisation] ${name}: ${perSet[name].identical}/${perSet[name].questions} identical answers`);
}

type Grounding = { sets: Record<string, { questions: number; shown: number; shownRight: number; shownWrong: number; hidden: number }> };
const grounding = (id: string): Grounding | undefined => {
  try {
    return JSON.parse(readFileSync(join(RESULTS, id === CHAT_DEFAULT_MODEL ? 'grounding.json' : `grounding_${id}.json`), 'utf8'));
  } catch {
    return undefined;
  }
};
const [gs, gq] = [grounding(SOURCE), grounding(QUANTISED)];
const pct = (n: number, d: number) => `${Math.round((1000 * n) / d) / 10} %`;
const sum = (g: Grounding, key: 'shownWrong' | 'questions') => Object.values(g.sets).reduce((s, t) => s + t[key], 0);
const tokPerS = (k: number) => (1000 * decoded[k]) / decodeMs[k];
const modelFile = (id: string) => readFileSync(join(MODELS_DIR, 'chat', id, 'model.onnx'));
const rows = [
  { measure: 'model.onnx', source: `${modelFile(SOURCE).length.toLocaleString('en')} bytes`, quantised: `${modelFile(QUANTISED).length.toLocaleString('en')} bytes` },
  { measure: `answers identical to the float32 model's (${answers} questions, greedy, ≤ 64 tokens)`, source: '—', quantised: `${sameAnswers} (${pct(sameAnswers, answers)})` },
  { measure: 'tokens identical up to the first difference', source: '—', quantised: pct(sameTokens, tokens) },
  { measure: 'decode tokens/s (Node, WASM, 1 thread, alternating)', source: tokPerS(0).toFixed(0), quantised: `${tokPerS(1).toFixed(0)} (${(tokPerS(1) / tokPerS(0)).toFixed(2)}×)` },
  ...(gs && gq
    ? [
        { measure: 'shown answers that are wrong, all sets (scripts/chat-grounding.ts)', source: `${sum(gs, 'shownWrong')} of ${sum(gs, 'questions')}`, quantised: `${sum(gq, 'shownWrong')} of ${sum(gq, 'questions')}` },
        { measure: 'trained words with their training question: shown and right', source: pct(gs.sets.trained.shownRight, gs.sets.trained.questions), quantised: pct(gq.sets.trained.shownRight, gq.sets.trained.questions) },
        { measure: 'off-topic prompts: shown as refusals', source: pct(gs.sets.offtopic.shownRight, gs.sets.offtopic.questions), quantised: pct(gq.sets.offtopic.shownRight, gq.sets.offtopic.questions) },
        { measure: 'made-up words: hidden with a notice quoting the word', source: pct(gs.sets.unknown.hidden, gs.sets.unknown.questions), quantised: pct(gq.sets.unknown.hidden, gq.sets.unknown.questions) },
      ]
    : []),
];
for (const r of rows) console.log(`| ${r.measure} | ${r.source} | ${r.quantised} |`);
const out = {
  source: SOURCE,
  quantised: QUANTISED,
  sha256: createHash('sha256').update(modelFile(QUANTISED)).digest('hex'),
  sourceLabel: `float32 (${SOURCE})`,
  label: `int8 weights (${QUANTISED})`,
  rows,
  perSet,
  note: `Same questions as the float32 model's card (training/chat/grounding_sets.py); the studio checks every answer of either model against WordNet before showing it. Decode speed measured in Node (the CLI's path), ${decoded[0]} and ${decoded[1]} decode steps.`,
};
writeFileSync(join(MODELS_DIR, 'chat', QUANTISED, 'quantisation.json'), JSON.stringify(out, null, 1) + '\n');
