// Measures a chat model's int8 variant (training/common/quantise.py) against the float32 model it came from, on the
// CLI's Node path (onnxruntime-web WASM, 1 thread, the studio's session options): every question of
// training/chat/results/grounding_sets.json answered greedily by both (up to 64 new tokens), alternating which goes
// first; identical answers and tokens, decode time; and, from scripts/chat-grounding.ts's results for both models
// (run it first for each: `npx tsx scripts/chat-grounding.ts [--model ID]`), what a user is shown. Writes
// public/models/chat/<int8 id>/quantisation.json, which training/common/quantise.py puts into that model's card.
//   npx tsx scripts/quantisation.ts [--source wordnet-dssn] [--quantised wordnet-dssn-int8]
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configureNodeRuntime, diskSource, MODELS_DIR } from '../src/runtime/node';
import { DEFAULT_CHAT_SETTINGS, chatTurn } from '../src/tasks/chat/core/chat';
import { CHAT_DEFAULT_MODEL } from '../src/tasks/chat/models';
import { openWarmChatModel } from '../src/tasks/chat/runner';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const SOURCE = arg('--source', CHAT_DEFAULT_MODEL);
const QUANTISED = arg('--quantised', `${SOURCE}-int8`);
const RESULTS = join(import.meta.dirname, '..', 'training', 'chat', 'results');

await configureNodeRuntime();
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
