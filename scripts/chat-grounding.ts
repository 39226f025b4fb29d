// Measures what a chat user sees with the WordNet check (src/tasks/chat/core/grounding.ts) on the shipped dictionary
// model: every question of training/chat/results/grounding_sets.json (made by `python -m chat.grounding_sets`) goes
// through the studio's grounded turn (greedy, as the Chat tab and the CLI run it). An answer is "shown" unless the
// check hid it; a shown answer is then judged again here, apart from the check: it is wrong when it is about another
// word than the one asked or its gloss is no sense of that word. Prints a table; writes training/chat/results/grounding.json
// (wordnet-dssn, whose card reads it) or grounding_<id>.json (another shipped model: the grounded one, an int8 variant).
//   npx tsx scripts/chat-grounding.ts [--model ID]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diskLexicon } from '../cli/chat';
import { configureNodeRuntime, diskSource, MODELS_DIR } from '../src/runtime/node';
import { DEFAULT_CHAT_SETTINGS } from '../src/tasks/chat/core/chat';
import { groundedChatTurn } from '../src/tasks/chat/core/grounded';
import { parseAnswer, sameGloss } from '../src/tasks/chat/core/grounding';
import { lookup, resolve, type Lexicon } from '../src/tasks/chat/core/lexicon';
import { CHAT_DEFAULT_MODEL } from '../src/tasks/chat/models';
import { openWarmChatModel } from '../src/tasks/chat/runner';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'training', 'chat', 'results');
type Item = { word?: string; question: string };
const { sets } = JSON.parse(readFileSync(join(RESULTS, 'grounding_sets.json'), 'utf8')) as { sets: Record<string, Item[]> };

const argv = process.argv.slice(2);
const MODEL = argv.includes('--model') ? argv[argv.indexOf('--model') + 1] : CHAT_DEFAULT_MODEL;
await configureNodeRuntime();
const folder = await diskSource(join(MODELS_DIR, 'chat', MODEL));
const { lm, tokenizer, info } = await openWarmChatModel(folder, { ep: 'wasm', id: MODEL, name: MODEL, source: 'shipped', manifest: folder.manifest });
if (!info.retrieval) throw new Error('the shipped chat model declares no retrieval lexicon');
const lex = await diskLexicon(info.retrieval);

/**
 * Apart from the check: a shown answer to a question about `word` is right (about it and true of it: headword through
 * morphology, gloss in its entry; an example that the check passed; a refusal of a made-up word quoting it exactly),
 * wrong (about another word, a gloss of no sense of it, a refusal naming another word), or no answer (a refusal).
 */
function judgeShown(answer: string, word: string | undefined, lexicon: Lexicon): 'right' | 'wrong' | 'none' {
  const parsed = parseAnswer(answer);
  if (parsed.form === 'offtopic-refusal') return word ? 'none' : 'right';
  if (parsed.form === 'unknown-refusal') return !word ? 'wrong' : parsed.refused === word ? (lookup(word, lexicon) ? 'none' : 'right') : 'wrong';
  if (!word) return parsed.headword ? 'wrong' : 'none';
  if (!parsed.headword) return parsed.form === 'example' ? 'right' : 'none';
  const lemmas = (w: string) => [w.toLowerCase().replace(/ /g, '_'), ...resolve(w, lexicon).map((f) => f.lemma)];
  const asked = new Set(lemmas(word));
  if (!lemmas(parsed.headword).some((h) => asked.has(h))) return 'wrong';
  if (parsed.form !== 'meaning') return 'right';
  const gloss = /\)\s*:\s*(.*)$/s.exec(answer)?.[1] ?? '';
  const entry = lookup(word, lexicon);
  return entry && entry.parts.some((p) => p.senses.some((s) => sameGloss(gloss, s.definition))) ? 'right' : 'wrong';
}

const settings = { ...DEFAULT_CHAT_SETTINGS, maxNewTokens: 96 };
const rows: Record<string, Record<string, number>> = {};
const examples: Record<string, unknown[]> = {};
const started = Date.now();
for (const [name, items] of Object.entries(sets)) {
  const t = { questions: 0, shown: 0, hidden: 0, shownRight: 0, shownWrong: 0, shownNoAnswer: 0, refusedQuotingWord: 0, offTopicRefusals: 0 };
  examples[name] = [];
  for (const item of items) {
    const r = await groundedChatTurn(lm, tokenizer, [{ role: 'user', content: item.question }], settings, { eosTokenIds: info.eosTokenIds, maxPositions: info.contextLength }, { lex, use: info.retrieval!.use });
    const g = r.grounding;
    const text = r.text.trim();
    const shown = !g?.withheld;
    t.questions++;
    if (!shown) t.hidden++;
    else {
      t.shown++;
      const verdict = judgeShown(text, item.word, lex);
      if (verdict === 'right') t.shownRight++;
      else if (verdict === 'wrong') t.shownWrong++;
      else t.shownNoAnswer++;
    }
    const refusal = parseAnswer(text);
    if (refusal.form === 'unknown-refusal' && item.word && refusal.refused === item.word) t.refusedQuotingWord++; // the model's own, shown or not
    if (shown && refusal.form === 'offtopic-refusal') t.offTopicRefusals++;
    if (name === 'issue' || examples[name].length < 5) examples[name].push({ question: item.question, verdict: g?.verdict, shown, answer: text.slice(0, 160), notice: g?.notice ?? null });
  }
  rows[name] = t;
  console.error(`[chat-grounding] ${name}: ${JSON.stringify(t)}`);
}

const pct = (n: number, d: number) => (d ? `${Math.round((1000 * n) / d) / 10} %` : '—');
console.log('| set | questions | shown, right | shown, no answer | shown, wrong | hidden (WordNet entry shown instead) |');
console.log('|---|---|---|---|---|---|');
for (const [name, t] of Object.entries(rows)) console.log(`| ${name} | ${t.questions} | ${pct(t.shownRight, t.questions)} | ${pct(t.shownNoAnswer, t.questions)} | ${pct(t.shownWrong, t.questions)} | ${pct(t.hidden, t.questions)} |`);
writeFileSync(
  join(RESULTS, MODEL === 'wordnet-dssn' ? 'grounding.json' : `grounding_${MODEL}.json`),
  JSON.stringify({ model: MODEL, lexicon: info.retrieval.lexicon, decoding: 'greedy, up to 96 new tokens', seconds: Math.round((Date.now() - started) / 1000), sets: rows, examples }, null, 1) + '\n',
);
