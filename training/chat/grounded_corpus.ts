/**
 * The grounded dictionary-assistant corpus (issue 11): conversations whose last user turn is preceded by the context
 * block the studio gives the model (src/tasks/chat/core/context.ts), built through the studio's own lookup
 * (`lookupQuestion`), so training prompts and studio prompts are the same text. Answers are written from the context
 * only (the model learns to copy from the entry); nothing here is shown to a user.
 *
 *     npx tsx training/chat/grounded_corpus.ts --out training/chat/data_grounded [--train 60000] [--seed 0] [--weights offtopic=12] [--more-offtopic]
 *
 * Writes conversations.jsonl (one {split, kind, messages} per line; split = train | heldout), eval.json (the six
 * evaluation sets of training/chat/evaluate.py --grounded) and stats.json. Held out of every training conversation:
 * a seeded 2 % of WordNet's lemmas (as the word asked), every fourth phrasing template of each kind, a set of
 * made-up words and some off-topic templates.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextBlock, contextMessages, MAX_CONTEXT_WORDS } from '../../src/tasks/chat/core/context';
import { GREETING, lookupQuestion, type LookupResult } from '../../src/tasks/chat/core/grounding';
import { parseLexicon, POS_NAMES, type Entry, type Lexicon } from '../../src/tasks/chat/core/lexicon';
import { mulberry32 } from '../../src/tasks/chat/core/sampling';

type Msg = { role: 'system' | 'user' | 'assistant'; content: string };
export type Kind = 'meaning' | 'senses' | 'synonyms' | 'antonyms' | 'hypernym' | 'hyponyms' | 'example' | 'compare' | 'multi' | 'unknown' | 'offtopic' | 'hello';

export const UNKNOWN_REPLY = (w: string, near: string[]) => `I don't know the word "${w}". It is not in WordNet 3.0.${near.length ? ` Near spellings: ${near.join(', ')}.` : ''}`;
export const OFFTOPIC_REPLY = 'Sorry, I can only answer questions about English words: their meanings, synonyms, opposites, kinds and example sentences.';
export const HELLO_REPLY = `${GREETING} Ask me about any English word: its meanings, synonyms, opposites, kinds and example sentences.`;

// ------------------------------------------------------------------------------------------ phrasings
// {w} = the word. Every fourth template of each list (index % 4 === 3) is held out of training.
const T: Record<string, string[]> = {
  meaning: [
    'What does {w} mean?', 'What is the meaning of {w}?', 'Define {w}.', 'what is a {w}', 'Tell me about {w}.', 'Meaning of {w}?',
    "What's the definition of {w}?", '{w}?', 'What does the word "{w}" mean?', 'define {w}', 'Can you define {w}?', 'Explain the word {w}.',
    'What is {w}?', '{w}', 'what does {w} mean', 'I came across the word {w}. What does it mean?', 'Definition of {w}', 'tell me what {w} means',
    "What's {w}?", 'Explain {w}.', '"{w}"?', 'What is the definition of the word {w}?', 'Define the word {w}', 'whats {w}',
    'What do you mean by {w}?', 'Could you tell me what {w} means?', '{w} meaning', 'What is meant by {w}?', 'look up {w}', 'Describe {w}.',
    'Please define {w}.', '{w}: what does it mean?', 'What is an {w}?', 'What are {w}s?', 'tell me about {w}s', 'What does "{w}" mean?',
    'Do you know what {w} means?', 'I want to know what {w} means.', 'meaning of the word {w}', 'What is the meaning of the word "{w}"?',
    'Hey, what does {w} mean?', 'Explain what {w} means', 'Define: {w}', 'what is {w}', 'Give me the definition of {w}.', 'What is a {w}?',
    'What does {w} mean in English?', 'Can you explain {w}?',
  ],
  senses: [
    'What else can {w} mean?', 'What are the other meanings of {w}?', 'Other senses of {w}?', 'Does {w} have other meanings?',
    'List the meanings of {w}.', 'What are all the meanings of {w}?', 'other meanings of {w}', 'Give me more meanings of {w}.',
  ],
  synonyms: [
    'What are synonyms of {w}?', 'Give me a synonym for {w}.', "What's another word for {w}?", 'Synonyms for {w}?', 'Which words mean the same as {w}?',
    'List some synonyms of {w}.', 'synonym of {w}', 'another word for {w}', 'What is a synonym of "{w}"?', 'words similar to {w}',
    '{w} synonyms', 'Is there another word for {w}?',
  ],
  antonyms: [
    'What is the opposite of {w}?', "What's an antonym of {w}?", 'Give me the antonym of {w}.', 'Opposite of {w}?', 'What word means the opposite of {w}?',
    'antonym of {w}', "what's the opposite of {w}", '{w} opposite', 'What is the antonym of "{w}"?', 'opposite of {w}',
    'Antonyms for {w}?', 'Tell me the opposite of {w}.',
  ],
  hypernym: [
    'What is {w} a kind of?', 'What broader category does {w} belong to?', 'What is the hypernym of {w}?', '{W} is a kind of what?',
    'What type of thing is {w}?', 'What kind of thing is {w}?', 'hypernym of {w}', 'What category is {w} in?',
  ],
  hyponyms: [
    'What kinds of {w} are there?', 'Give me some kinds of {w}.', 'What are the types of {w}?', 'Name some kinds of {w}.',
    'hyponyms of {w}', 'What are examples of {w}?', 'types of {w}', 'List kinds of {w}.',
  ],
  example: [
    'Use {w} in a sentence.', 'Give me an example sentence with {w}.', 'How is {w} used?', 'Can you show me {w} in a sentence?',
    'example of {w}', 'Example sentence for {w}?', 'use {w} in a sentence', 'Put {w} in a sentence.', 'Show me how to use "{w}".',
    'sentence with {w}', 'How do you use {w}?', 'an example with {w} please',
  ],
  compare: [
    'What is the difference between {w} and {v}?', 'Compare {w} and {v}.', '{w} vs {v}', 'How is {w} different from {v}?',
    'difference between {w} and {v}', 'Compare {w} with {v}.', 'What are the differences between {w} and {v}?', '{w} versus {v}?',
  ],
  follow_meaning: ['What does it mean?', 'And what does it mean?', 'What is its definition?', 'define it', 'And its meaning?', 'What does that mean?'],
  follow_synonyms: ['And its synonyms?', 'Any synonyms?', 'What are some other words for it?', 'synonyms?', 'Another word for it?', 'And a synonym?'],
  follow_antonyms: ['And the opposite?', 'What is its antonym?', 'and its opposite?', 'opposite?', "What's the opposite?", 'Its antonym?'],
  follow_hypernym: ['What kind of thing is it?', 'And what is it a kind of?', 'What is it a kind of?', 'Its category?'],
  follow_example: ['Can you use it in a sentence?', 'Give me an example.', 'How is it used?', 'use it in a sentence', 'An example sentence?', 'example?'],
  follow_senses: ['What else can it mean?', 'Any other meanings?', 'More meanings?', 'What are its other senses?'],
  hello: ['Hi!', 'hello there', 'Hey', 'Good morning!', 'Hi, how are you?', 'What can you do?', 'hey there!', 'Who are you?', 'Good evening.', 'help',
    'What are you?', 'How can you help me?', 'Hello, what can you do?', 'hi there', 'Good afternoon!', 'What do you do?'],
  offtopic: [
    "What's the weather like in {city} today?", 'Will it rain in {city} tomorrow?', 'Write a {lang} function that reverses a list.',
    'What is {x} plus {y}?', "What's the latest news about {topic}?", 'Tell me a joke.', 'Can you book me a flight to {city}?',
    'What time is it in {city}?', 'Who is the president?', 'Recommend a good movie.', 'How do I fix a segmentation fault in {lang}?',
    'What should I eat for dinner?', 'Translate hello into French.', 'What is {x} times {y}?', 'Who won {topic}?', 'Play some music.',
    'Set an alarm for 7 am.', 'How old are you?', "What's the best restaurant in {city}?", 'Solve {x}x + {y} = 0.', 'Do you have feelings?',
    'Write a poem about the sea.', 'How much is {x} divided by {y}?', 'Is it snowing in {city} right now?',
  ],
  // more off-topic questions, for the second training stage only (`--more-offtopic`; every fourth stays held out too)
  offtopic_more: [
    'How far is {city} from London?', 'What is the capital of France?', 'Who wrote Hamlet?', 'Can you help me with my homework?',
    'What is the population of {city}?', 'Give me a recipe for pancakes.', 'How do I lose weight?', 'What is the meaning of life?',
    'Which team will win {topic}?', 'Summarise this article for me.', 'What year did the war end?', 'How tall is Mount Everest?',
    'Send an email to my boss.', 'Convert {x} dollars to euros.', 'What is the speed of light?', 'Is {x} a prime number?',
    'Tell me a story about a dragon.', 'How do I install {lang}?', 'What is the best phone to buy?', 'Where is the nearest hospital?',
  ],
};
const FOLLOW_KINDS = ['meaning', 'synonyms', 'antonyms', 'hypernym', 'example', 'senses'] as const;
const CITIES = ['Paris', 'Tokyo', 'Lagos', 'Lima', 'Oslo', 'Cairo', 'Denver', 'Mumbai', 'Berlin', 'Sydney', 'Lisbon', 'Hanoi'];
const LANGS = ['Python', 'JavaScript', 'Rust', 'C', 'Java', 'Go', 'SQL', 'Kotlin'];
const TOPICS = ['the election', 'the stock market', 'the football final', 'the storm', 'the space launch'];

export const heldOutTemplate = (i: number) => i % 4 === 3;

// ------------------------------------------------------------------------------------------ random
type Rng = () => number;
const pick = <T,>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
function templates(kind: string, held: boolean): string[] {
  return T[kind].filter((_, i) => heldOutTemplate(i) === held);
}

// ------------------------------------------------------------------------------------------ answers (from the entry)
const sentence = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);
const head = (e: Entry) => `${e.word} (${POS_NAMES[e.parts[0].pos]})`;
const items = (xs: readonly string[], n: number) => (xs.length ? xs.slice(0, n).join(', ') : 'none');

/** The answer to a question of `kind` about `e`, written from what the context block shows of it. */
export function answerFor(kind: (typeof FOLLOW_KINDS)[number] | 'hyponyms', e: Entry): string {
  const part = e.parts[0];
  const s = part.senses[0];
  switch (kind) {
    case 'meaning':
      return `${head(e)}: ${sentence(s.definition)}`;
    case 'senses': {
      const more = part.senses.slice(1, 3);
      return `${head(e)}, other meanings: ${more.length ? more.map((m) => `${m.n}. ${m.definition}`).join('; ') : 'none'}.`;
    }
    case 'synonyms':
      return `${head(e)}, synonyms: ${items(s.synonyms, 4)}.`;
    case 'antonyms':
      return `${head(e)}, opposite: ${items(s.antonyms, 2)}.`;
    case 'hypernym':
      return `${head(e)} ${part.pos === 'v' ? 'is a way to' : 'is a kind of'}: ${items(s.hypernyms, 1)}.`;
    case 'hyponyms':
      return `${head(e)}, kinds: ${items(s.hyponyms, 3)}.`;
    case 'example':
      return `${head(e)}, example: ${s.examples.length ? `"${s.examples[0]}"` : 'none.'}`;
  }
}

// ------------------------------------------------------------------------------------------ words
const ONSETS = 'b br d dr f fl g gr k kl l m n p pl pr r s st sk t tr v z sh ch th bl sn w'.split(' ');
const VOWELS = 'a e i o u ai ou ee oa y'.split(' ');
const CODAS = ['', '', '', 'n', 'r', 'l', 's', 'm', 'k', 'x', 'nt', 'sk', 'rp', 'ld'];

function pseudoWord(r: Rng, lex: Lexicon): string {
  for (;;) {
    const n = r() < 0.6 ? 2 : 3;
    let w = '';
    for (let i = 0; i < n; i++) w += pick(r, ONSETS) + pick(r, VOWELS) + pick(r, CODAS);
    if (w.length >= 4 && w.length <= 11 && !Object.prototype.hasOwnProperty.call(lex.lemmas, w)) return w;
  }
}

/** A one-letter slip of a real word (dropped, doubled, swapped or replaced letter), when WordNet lacks the result. */
function typo(r: Rng, w: string, lex: Lexicon): string | null {
  if (w.length < 4 || !/^[a-z]+$/.test(w)) return null;
  const i = 1 + Math.floor(r() * (w.length - 2));
  const c = 'abcdefghijklmnopqrstuvwxyz'[Math.floor(r() * 26)];
  const t = [w.slice(0, i) + w.slice(i + 1), w.slice(0, i) + w[i] + w.slice(i), w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2), w.slice(0, i) + c + w.slice(i + 1)][Math.floor(r() * 4)];
  return t !== w && !Object.prototype.hasOwnProperty.call(lex.lemmas, t) ? t : null;
}

/** How the word is written in the question: usually as is, sometimes capitalised or in capitals. */
function surface(r: Rng, w: string): string {
  const x = r();
  return x < 0.1 ? w.charAt(0).toUpperCase() + w.slice(1) : x < 0.12 ? w.toUpperCase() : w;
}

/** Question variants: as written, lower case without the final punctuation, or with a polite tail. */
function vary(r: Rng, q: string): string {
  const x = r();
  if (x < 0.2) return q.toLowerCase().replace(/[?.!]+$/, '');
  if (x < 0.25) return q.replace(/[?.!]*$/, '?');
  if (x < 0.3) return `${q.replace(/[?.!]+$/, '')}, please?`;
  return q;
}

function fill(t: string, w: string, v = ''): string {
  return t.replaceAll('{w}', w).replaceAll('{W}', w.charAt(0).toUpperCase() + w.slice(1)).replaceAll('{v}', v);
}

// ------------------------------------------------------------------------------------------ conversations
export interface Conversation {
  kind: Kind;
  messages: Msg[];
}

/** The prompt messages of a turn, as the studio lays them out (context.ts). */
export function withContext(history: readonly Msg[], question: string, looked: LookupResult): Msg[] {
  return contextMessages([...history, { role: 'user', content: question }], contextBlock(looked));
}

interface Builder {
  lex: Lexicon;
  r: Rng;
  held: boolean; // held-out phrasings
}

/** A single-turn question of `kind` about `lemma`; null when the studio's lookup would not find that lemma first. */
function single(b: Builder, kind: (typeof FOLLOW_KINDS)[number] | 'hyponyms', lemma: string): { conv: Conversation; looked: LookupResult; q: string } | null {
  const w = lemma.replace(/_/g, ' ');
  let t = pick(b.r, templates(kind, b.held));
  if (t.includes('{w}s') && (w.includes(' ') || /(s|x|z|ch|sh|y)$/.test(w))) t = t.replace('{w}s', '{w}');
  if (/\ban? \{w\}/.test(t)) t = t.replace(/\ban? \{w\}/, `${/^[aeiou]/.test(w) ? 'an' : 'a'} {w}`);
  const q = vary(b.r, fill(t, surface(b.r, w)));
  const looked = lookupQuestion(q, b.lex);
  const e = looked.words[0]?.entry;
  if (!e || e.lemma !== lemma || looked.words.length > 1) return null;
  return { conv: { kind, messages: [...withContext([], q, looked), { role: 'assistant', content: answerFor(kind, e) }] }, looked, q };
}

/** How often each kind is drawn (relative); `--weights offtopic=12,hello=4` overrides some. */
export const WEIGHTS: Record<Kind, number> = {
  meaning: 34, senses: 4, synonyms: 8, antonyms: 6, hypernym: 6, hyponyms: 4, example: 7, compare: 4, multi: 11, unknown: 10, offtopic: 4, hello: 2,
};

function build(lex: Lexicon, lemmas: string[], n: number, seed: number, held: boolean, heldLemmas: boolean, mix: Record<Kind, number> = WEIGHTS, moreOfftopic = false) {
  const r = mulberry32(seed);
  const b: Builder = { lex, r, held };
  const out: Conversation[] = [];
  const weights = Object.entries(mix) as [Kind, number][];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let skipped = 0;
  // words of synsets that have an antonym (an opposite question usually gets a real answer)
  const withAntonym = new Set(lex.synsets.filter((s) => s.split('\t')[6]).flatMap((s) => s.split('\t')[1].split(' ').map((x) => x.toLowerCase())));
  const anto = heldLemmas ? lemmas : [...new Set(lemmas)].filter((l) => withAntonym.has(l));
  while (out.length < n) {
    let x = r() * total;
    const kind = weights.find(([, w]) => (x -= w) < 0)![0];
    const lemma = pick(r, kind === 'antonyms' && r() < 0.8 && anto.length ? anto : lemmas);
    const w = lemma.replace(/_/g, ' ');
    let conv: Conversation | null = null;
    if (kind === 'unknown') {
      const word = (r() < 0.3 && typo(r, lemma, lex)) || pseudoWord(r, lex);
      const q = vary(r, fill(pick(r, templates(pick(r, ['meaning', 'meaning', 'meaning', 'synonyms', 'antonyms', 'example']), held)), word));
      const looked = lookupQuestion(q, lex);
      const u = looked.words[0];
      if (looked.words.length === 1 && !u.entry) conv = { kind, messages: [...withContext([], q, looked), { role: 'assistant', content: UNKNOWN_REPLY(u.typed, u.suggestions.slice(0, 3)) }] };
    } else if (kind === 'offtopic' || kind === 'hello') {
      const q = vary(r, pick(r, kind === 'offtopic' && moreOfftopic ? [...templates(kind, held), ...templates('offtopic_more', held)] : templates(kind, held)).replaceAll('{city}', pick(r, CITIES)).replaceAll('{lang}', pick(r, LANGS)).replaceAll('{topic}', pick(r, TOPICS)).replaceAll('{x}', String(2 + Math.floor(r() * 900))).replaceAll('{y}', String(2 + Math.floor(r() * 90))));
      conv = { kind, messages: [...withContext([], q, lookupQuestion(q, lex)), { role: 'assistant', content: kind === 'hello' ? HELLO_REPLY : OFFTOPIC_REPLY }] };
    } else if (kind === 'compare') {
      const other = pick(r, lemmas);
      const q = vary(r, fill(pick(r, templates('compare', held)), w, other.replace(/_/g, ' ')));
      const looked = lookupQuestion(q, lex);
      const [e1, e2] = looked.words.map((x) => x.entry);
      if (looked.words.length === 2 && e1?.lemma === lemma && e2?.lemma === other && other !== lemma) {
        conv = { kind, messages: [...withContext([], q, looked), { role: 'assistant', content: `${answerFor('meaning', e1)} ${answerFor('meaning', e2)}` }] };
      }
    } else if (kind === 'multi') {
      const first = single(b, 'meaning', lemma);
      if (first) {
        const fk = pick(r, FOLLOW_KINDS.filter((k) => k !== 'meaning'));
        const follow = vary(r, pick(r, templates(`follow_${fk}`, held)));
        const looked = lookupQuestion(follow, lex, [first.q]);
        const e = looked.words[0]?.entry;
        if (e?.lemma === lemma) {
          const history: Msg[] = [{ role: 'user', content: first.q }, { role: 'assistant', content: answerFor('meaning', first.looked.words[0].entry!) }];
          conv = { kind, messages: [...withContext(history, follow, looked), { role: 'assistant', content: answerFor(fk, e) }] };
        }
      }
    } else {
      conv = single(b, kind, lemma)?.conv ?? null;
    }
    if (conv) out.push(conv);
    else skipped++;
  }
  return { conversations: out, skipped };
}

// ------------------------------------------------------------------------------------------ evaluation sets
function evalSets(lex: Lexicon, heldLemmas: string[], trainLemmas: string[], seed: number, n: number) {
  const r = mulberry32(seed);
  const b: Builder = { lex, r, held: true };
  const item = (c: Conversation, lemma: string | null, extra: object = {}) => ({
    messages: c.messages.slice(0, -1),
    expected: c.messages.at(-1)!.content,
    lemma,
    ...extra,
  });
  const meaningSet = (lemmas: string[]) => {
    const out = [];
    let missed = 0;
    for (const l of lemmas) {
      if (out.length >= n) break;
      // the lookup resolves the word the way the studio does; a question it resolves to another lemma counts as missed
      const s = single(b, 'meaning', l);
      if (s) out.push(item(s.conv, l, { headword: head(s.looked.words[0].entry!) }));
      else missed++;
    }
    return { items: out, lookupMissed: missed };
  };
  const a = meaningSet(heldLemmas);
  const bSet = meaningSet(trainLemmas);
  const unknown = [];
  for (let i = 0; unknown.length < n; i++) {
    const word = (r() < 0.3 && typo(r, pick(r, trainLemmas), lex)) || pseudoWord(r, lex);
    const q = vary(r, fill(pick(r, templates('meaning', true)), word));
    const looked = lookupQuestion(q, lex);
    const u = looked.words[0];
    if (looked.words.length === 1 && !u.entry) unknown.push({ messages: withContext([], q, looked), expected: UNKNOWN_REPLY(u.typed, u.suggestions.slice(0, 3)), word: u.typed, lemma: null });
  }
  const offtopic = [];
  for (const t of templates('offtopic', true)) {
    for (const city of CITIES.slice(0, 3)) {
      const q = t.replaceAll('{city}', city).replaceAll('{lang}', pick(r, LANGS)).replaceAll('{topic}', pick(r, TOPICS)).replaceAll('{x}', String(12 + Math.floor(r() * 90))).replaceAll('{y}', String(3 + Math.floor(r() * 9)));
      offtopic.push({ messages: withContext([], q, lookupQuestion(q, lex)), expected: OFFTOPIC_REPLY, lemma: null });
    }
  }
  const follow = [];
  for (const l of heldLemmas) {
    if (follow.length >= n) break;
    const first = single(b, 'meaning', l);
    if (!first) continue;
    const fk = pick(r, FOLLOW_KINDS.filter((k) => k !== 'meaning'));
    const q = pick(r, templates(`follow_${fk}`, true));
    const looked = lookupQuestion(q, lex, [first.q]);
    const e = looked.words[0]?.entry;
    if (e?.lemma !== l) continue;
    const history: Msg[] = [{ role: 'user', content: first.q }, { role: 'assistant', content: answerFor('meaning', first.looked.words[0].entry!) }];
    follow.push({ messages: withContext(history, q, looked), expected: answerFor(fk, e), lemma: l, follow: fk, headword: head(e) });
  }
  return {
    a_heldout_lemmas: a.items, a_lookup_missed: a.lookupMissed,
    b_trained_lemmas: bSet.items, b_lookup_missed: bSet.lookupMissed,
    c_unknown: unknown, d_offtopic: offtopic, e_followups: follow,
  };
}

// ------------------------------------------------------------------------------------------ main
function main() {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
  const out = opt('--out', 'training/chat/data_grounded');
  const nTrain = Number(opt('--train', '60000'));
  const nHeld = Number(opt('--heldout', '2000'));
  const nEval = Number(opt('--eval', '300'));
  const seed = Number(opt('--seed', '0'));
  const t0 = performance.now();
  const lex = parseLexicon(new Uint8Array(readFileSync(opt('--lexicon', 'public/models/chat/lexicon/lexicon.bin'))));
  const r = mulberry32(seed + 99);
  const all = Object.keys(lex.lemmas).sort();
  const heldSet = new Set(all.filter(() => r() < 0.02));
  const heldLemmas = all.filter((l) => heldSet.has(l));
  const trainLemmas = all.filter((l) => !heldSet.has(l));
  // frequent words weigh more: half the draws come from the 8,000 most frequent lemmas
  const freq = (l: string) => (Object.prototype.hasOwnProperty.call(lex.freq, l) ? lex.freq[l].reduce((s, x) => s + x, 0) : 0);
  const frequent = [...trainLemmas].sort((x, y) => freq(y) - freq(x)).slice(0, 8000);
  const pool = [...trainLemmas, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent, ...frequent];
  const shuffledHeld = [...heldLemmas].sort(() => r() - 0.5);
  const heldFrequent = [...heldLemmas].sort((x, y) => freq(y) - freq(x));
  const mix = { ...WEIGHTS, ...Object.fromEntries(opt('--weights', '').split(',').filter(Boolean).map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])])) };
  const moreOfftopic = args.includes('--more-offtopic');
  const train = build(lex, pool, nTrain, seed, false, false, mix, moreOfftopic);
  const held = build(lex, shuffledHeld, nHeld, seed + 7, true, true);
  const ev = evalSets(lex, [...heldFrequent.slice(0, 150), ...shuffledHeld].filter((l, i, xs) => xs.indexOf(l) === i), [...frequent.slice(0, 2000)].sort(() => r() - 0.5), seed + 11, nEval);
  mkdirSync(out, { recursive: true });
  const lines = [...train.conversations.map((c) => JSON.stringify({ split: 'train', ...c })), ...held.conversations.map((c) => JSON.stringify({ split: 'heldout', ...c }))];
  writeFileSync(join(out, 'conversations.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(out, 'eval.json'), JSON.stringify({ unknown_reply: UNKNOWN_REPLY('{w}', []), offtopic_reply: OFFTOPIC_REPLY, hello_reply: HELLO_REPLY, ...ev }, null, 1) + '\n');
  const count = (cs: Conversation[]) => cs.reduce<Record<string, number>>((m, c) => ((m[c.kind] = (m[c.kind] ?? 0) + 1), m), {});
  const stats = {
    lemmas: all.length, heldout_lemmas: heldLemmas.length, train_lemma_pool: trainLemmas.length, frequent_weighted: frequent.length,
    templates: Object.fromEntries(Object.entries(T).map(([k, v]) => [k, { train: v.filter((_, i) => !heldOutTemplate(i)).length, heldout: v.filter((_, i) => heldOutTemplate(i)).length }])),
    conversations_train: train.conversations.length, conversations_heldout: held.conversations.length, skipped_train: train.skipped,
    train_by_kind: count(train.conversations), heldout_by_kind: count(held.conversations),
    eval: Object.fromEntries(Object.entries(ev).map(([k, v]) => [k, Array.isArray(v) ? v.length : v])),
    weights: mix, more_offtopic: moreOfftopic, max_context_words: MAX_CONTEXT_WORDS, seed, seconds: Math.round((performance.now() - t0) / 1000),
  };
  writeFileSync(join(out, 'stats.json'), JSON.stringify(stats, null, 1) + '\n');
  console.log(JSON.stringify(stats));
}

if (process.argv[1]?.endsWith('grounded_corpus.ts')) main();
