/**
 * Grounding check of a dictionary model's answer against WordNet 3.0 (pure, no DOM).
 *
 * The shipped dictionary model answers in a few fixed forms (training/chat/corpus.py): `Word (pos): gloss.`,
 * `Synonyms of word (pos): …`, `The opposite of word (pos) is …`, `A word is a kind of …`, `To word is a way to …`,
 * `Word is an instance of …`, `For example: "…".`, or a refusal (`I don't know the word "x". …`,
 * `Sorry, I can only answer …`). The grounded model (training/chat/grounded_corpus.ts) starts every answer with the
 * entry's own `word (pos)` line: `word (pos): gloss.`, `word (pos), synonyms: …`, `, opposite: …`, ` is a kind of: …`,
 * ` is a way to: …`, `, kinds: …`, `, example: "…"`, `, other meanings: …`; a comparison gives two meanings; it greets
 * with GREETING. `judgeAnswer` reads the word the answer is about (its headword) and compares it,
 * through the lexicon's morphology, with the word(s) the question asks about, then checks what the complete answer
 * claims (gloss, synonyms, opposite, category) against that word's entry. An answer about another word, a claim the
 * entry lacks, an answer in no checkable form, or a definition of a word WordNet lacks is withheld; the WordNet entry
 * is returned separately as the source, never as the model's words.
 */
import { findWords, lookup, nearMisses, normalizeLemma, POS_NAMES, resolve, type Entry, type Lexicon } from './lexicon';

export type Verdict =
  /** The answer is about the word asked (or an inflection of it). */
  | 'grounded'
  /** The answer is about another word: withheld. */
  | 'wrong-word'
  /** The answer is about the word asked, but what it says (gloss, synonyms, opposite, category) is not in its entry: withheld. */
  | 'unsupported'
  /** The word asked is not in WordNet 3.0: withheld when the model defined something anyway. */
  | 'unknown-word'
  /** The model said it does not know a word that WordNet has: its refusal stays, the entry is the source. */
  | 'refused'
  /** The model declined an off-topic question or greeting: as it is. */
  | 'off-topic'
  /** Nothing to check (no word found in the question, or an answer in no known form). */
  | 'unchecked';

export interface SourceSense {
  n: number;
  definition: string;
  examples: string[];
  synonyms: string[];
}

/** A WordNet entry as shown under "Source: WordNet 3.0" (a few senses per part of speech). */
export interface SourceEntry {
  word: string;
  /** The form the question used when it differs from the lemma ("dogs" for "dog"). */
  inflectedFrom?: string;
  parts: { pos: string; senses: SourceSense[] }[];
}

export interface Grounding {
  verdict: Verdict;
  /** The model's answer is not to be shown. */
  withheld: boolean;
  /** The words the question asks about, as the user typed them. */
  asked: string[];
  /** The word the model's answer is about, when it has a headword. */
  answeredAbout?: string;
  /** What the UI says about the verdict (absent for grounded answers and off-topic refusals). */
  notice?: string;
  /** Spelling suggestions for a word WordNet lacks. */
  suggestions?: string[];
  /** The WordNet entries of the words asked. */
  source?: { name: 'WordNet 3.0'; entries: SourceEntry[] };
}

export interface AskedWord {
  /** The word as the user typed it. */
  typed: string;
  /** Lemmas it can stand for (the exact lemma and inflection bases); empty when WordNet lacks it. */
  lemmas: string[];
  entry: Entry | null;
  suggestions: string[];
  /** How the question names it (see Candidate.named). */
  named: 'quoted' | 'asked' | 'mentioned';
}

export interface LookupResult {
  words: AskedWord[];
}

const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `word` as a whole word in any case, its words apart by spaces, underscores or hyphens, any apostrophe; null when empty. */
function wordPattern(word: string): RegExp | null {
  const tokens = word.split(/[\s_]+/).filter(Boolean);
  if (!tokens.length) return null;
  const quotes = "['\u2018\u2019\u02bc]";
  return new RegExp(`(?<![\\p{L}\\p{N}])${tokens.map((t) => esc(t).replace(/'/g, quotes)).join('[\\s_-]+')}(?![\\p{L}\\p{N}])`, 'iu');
}

/** The question's text for `needle` (lower case, as findWords saw it), with the user's own spelling and case. */
export function asTyped(question: string, needle: string): string {
  return wordPattern(needle)?.exec(question)?.[0] ?? needle;
}

/** Whether `text` contains `word` as a whole word, case aside. */
function mentions(text: string, word: string): boolean {
  return wordPattern(word)?.test(text) ?? false;
}

/**
 * The word(s) `question` asks about, each looked up. A follow-up that names no word ("And its synonyms?") is about
 * the word of the latest earlier question that named one.
 */
export function lookupQuestion(question: string, lex: Lexicon, earlierQuestions: readonly string[] = []): LookupResult {
  for (const q of [question, ...[...earlierQuestions].reverse()]) {
    const candidates = findWords(q, lex);
    if (!candidates.length) continue;
    return {
      words: candidates.map((c) => {
        const entry = c.lemma ? lookup(c.lemma, lex, c.posHint) : null;
        if (entry && c.surface !== entry.word && normalizeLemma(c.surface) !== entry.lemma) entry.inflectedFrom = c.surface;
        return { typed: asTyped(q, c.surface), lemmas: c.forms.map((f) => f.lemma), entry, suggestions: c.lemma ? [] : c.suggestions.length ? c.suggestions : nearMisses(c.surface, lex), named: c.named };
      }),
    };
  }
  return { words: [] };
}

export type AnswerForm = 'meaning' | 'senses' | 'synonyms' | 'antonyms' | 'hypernym' | 'hyponyms' | 'example' | 'unknown-refusal' | 'offtopic-refusal' | 'greeting' | 'other';

export interface ParsedAnswer {
  form: AnswerForm;
  /** The word the answer is about, as written ("Contact"). */
  headword?: string;
  pos?: string;
  /** The word a refusal names. */
  refused?: string;
  /** The sentence of an example answer. */
  example?: string;
}

/** How the grounded model greets and says what it does. */
export const GREETING = 'Hello! I am a dictionary assistant.';

const POS = '(noun|verb|adjective|adverb)';
const HEAD = `([^\\n():"]{1,80}?)`;
/** After `word (pos)`, the labels of the grounded model's answers (context.ts's lines), then the plain meaning's colon. */
const LABELS: [AnswerForm, string][] = [
  ['synonyms', ', synonyms:'],
  ['antonyms', ', opposite:'],
  ['hypernym', ' is a kind of:'],
  ['hypernym', ' is a way to:'],
  ['hyponyms', ', kinds:'],
  ['example', ', example:'],
  ['senses', ', other meanings:'],
  ['meaning', ':'],
];
const HEADWORD_FORMS: [AnswerForm, RegExp][] = [
  ...LABELS.slice(0, -1).map(([form, label]): [AnswerForm, RegExp] => [form, new RegExp(`^${HEAD} \\(${POS}\\)${esc(label)}`)]),
  ['synonyms', new RegExp(`^Synonyms of ${HEAD} \\(${POS}\\):`)],
  ['antonyms', new RegExp(`^The opposite of ${HEAD} \\(${POS}\\) is `)],
  ['hypernym', new RegExp(`^To ${HEAD} is a way to `)],
  ['hypernym', new RegExp(`^An? ${HEAD} is a kind of `)],
  ['hypernym', new RegExp(`^${HEAD} is an instance of `)],
  ['meaning', new RegExp(`^${HEAD} \\(${POS}\\):`)],
];

/** The form of `answer` and the word it is about; `complete` is false while more text could still change that. */
export function parseAnswer(answer: string): ParsedAnswer & { complete: boolean } {
  const a = answer.replace(/^\s+/, '');
  const refusal = /^I don['\u2019]t know the word "([^"\n]*)"/.exec(a);
  if (refusal) return { form: 'unknown-refusal', refused: refusal[1], complete: true };
  if (/^Sorry, I can only answer/.test(a)) return { form: 'offtopic-refusal', complete: true };
  if (a.startsWith(GREETING)) return { form: 'greeting', complete: true };
  for (const [form, re] of HEADWORD_FORMS) {
    const m = re.exec(a);
    if (m) return { form, headword: m[1].trim(), ...(m[2] ? { pos: m[2] } : {}), complete: true };
  }
  const example = /^For example: "(.*)"/s.exec(a);
  if (example) return { form: 'example', example: example[1], complete: true };
  // Still a possible prefix of a known form: wait for more text (bounded, so an odd answer is not held forever).
  const prefixes = ['I don\'t know the word "', 'Sorry, I can only answer', GREETING, 'Synonyms of ', 'The opposite of ', 'For example: "', 'To ', 'A ', 'An '];
  const afterHead = new RegExp(`^${HEAD} \\(${POS}\\)(.*)$`, 's').exec(a)?.[3];
  const maybe =
    a.length < 100 &&
    !a.includes('\n') &&
    (prefixes.some((p) => p.startsWith(a) || a.startsWith(p)) || /^[^():"\n]*(?:\s\((?:[a-z]*\)?)?)?$/.test(a) || (afterHead !== undefined && LABELS.some(([, l]) => l.startsWith(afterHead))));
  return { form: 'other', complete: !maybe };
}

const SOURCE_SENSES = 3;

const a0 = (answer: string) => answer.replace(/^\s+/, '');
const wordSet = (t: string) => new Set(t.toLowerCase().match(/[a-z0-9]+/g) ?? []);
const norm = (t: string) => t.toLowerCase().replace(/[_\s]+/g, ' ').trim();

/**
 * Whether `gloss` (the model's) says what `definition` (WordNet's) says: their word sets overlap (Dice ≥ 0.6; a copied
 * gloss scores ~1, another word's ~0.2), or the gloss is a shortened copy (≥ 2 words, ≥ 85 % of them in the definition).
 */
export function sameGloss(gloss: string, definition: string): boolean {
  const A = wordSet(gloss);
  const B = wordSet(definition);
  if (!A.size || !B.size) return false;
  let both = 0;
  for (const w of A) if (B.has(w)) both++;
  return (2 * both) / (A.size + B.size) >= 0.6 || (A.size >= 2 && both / A.size >= 0.85);
}

/** Stricter, for a model that copies from the entry: `sameGloss`, and every word of `gloss` is a word of `definition`. */
export function copiedGloss(gloss: string, definition: string): boolean {
  const B = wordSet(definition);
  return sameGloss(gloss, definition) && [...wordSet(gloss)].every((w) => B.has(w));
}

/** Where a second meaning starts in one answer (after a full stop, `word (pos):`). */
const MEANING_SPLIT = /(?<=\.)\s+(?=[^():"\n]{1,80}? \((?:noun|verb|adjective|adverb)\):)/;

/**
 * What a complete answer about the right word claims that its entry does not support ("definition", "synonyms",
 * "opposite", "category", "kinds", "example"), or undefined when every claim is in the entry (any sense, any part of
 * speech). A comparison's further meanings are checked against `others` (the other words asked); `strict` checks
 * glosses with `copiedGloss`.
 */
function unsupported(parsed: ParsedAnswer, answer: string, entry: Entry, others: readonly Entry[] = [], lex?: Lexicon, strict = false): string | undefined {
  const same = strict ? copiedGloss : sameGloss;
  const all = entry.parts.flatMap((p) => p.senses);
  const tail = (re: RegExp) => (re.exec(answer)?.[1] ?? '').replace(/[.\s]+$/, '');
  const listed = (t: string, sep: RegExp) => t.split(sep).map(norm).filter(Boolean);
  const inAll = (items: string[], pick: (s: (typeof all)[number]) => string[]) => {
    const known = new Set(all.flatMap(pick).map(norm));
    return items.length > 0 && items.every((i) => known.has(i));
  };
  // The grounded model's field answers: `word (pos), label: value.`; "none" stands when the first sense lists nothing.
  const field = (label: string) => new RegExp(`\\)${esc(label)}\\s*([^\\n]*)`).exec(answer)?.[1].replace(/[.\s]+$/, '');
  const none = (v: string | undefined, pick: (s: (typeof all)[number]) => string[]) => v === 'none' && entry.parts.some((p) => pick(p.senses[0]).length === 0);
  switch (parsed.form) {
    case 'meaning': {
      // A comparison answers with one meaning per word: "bread (noun): …. butter (noun): …."
      const [first, ...more] = answer.split(MEANING_SPLIT);
      const gloss = (/^[^\n]*?\)\s*:\s*([^\n]*)/.exec(first)?.[1] ?? '').replace(/[.\s]+$/, '');
      if (!all.some((s) => same(gloss, s.definition))) return 'definition';
      for (const m of more) {
        const p = parseAnswer(m);
        const other = others.find((e) => p.headword && headLemmas(p.headword, lex).has(e.lemma));
        const g = (/\)\s*:\s*([^\n]*)/.exec(m)?.[1] ?? '').replace(/[.\s]+$/, '');
        if (!other || !other.parts.some((q) => q.senses.some((s) => same(g, s.definition)))) return 'definition';
      }
      return undefined;
    }
    case 'senses': {
      const v = field(', other meanings:');
      if (v === 'none') return entry.parts.some((p) => p.senses.length === 1) ? undefined : 'definition';
      const glosses = (v ?? '').split(/;\s*(?=\d+\.\s)/).map((g) => g.replace(/^\d+\.\s*/, ''));
      return glosses.length && glosses.every((g) => all.some((s) => same(g, s.definition))) ? undefined : 'definition';
    }
    case 'synonyms': {
      const v = field(', synonyms:');
      if (v !== undefined) return none(v, (s) => s.synonyms) || inAll(listed(v, /,\s*/), (s) => s.synonyms) ? undefined : 'synonyms';
      return inAll(listed(tail(/\)\s*:\s*([^\n]*)/), /,\s*/), (s) => s.synonyms) ? undefined : 'synonyms';
    }
    case 'antonyms': {
      const v = field(', opposite:');
      if (v !== undefined) return none(v, (s) => s.antonyms) || inAll(listed(v, /,\s*/), (s) => s.antonyms) ? undefined : 'opposite';
      return inAll(listed(tail(/\) is ([^\n]*)/), /\s+or\s+/), (s) => s.antonyms) ? undefined : 'opposite';
    }
    case 'hypernym': {
      const category = norm(tail(/(?:is a kind of|is a way to|is an instance of):? ([^:\n]*)/));
      if (category === 'none' && none('none', (s) => s.hypernyms)) return undefined;
      return category && all.some((s) => s.hypernyms.some((h) => norm(h) === category)) ? undefined : 'category';
    }
    case 'hyponyms': {
      const v = field(', kinds:');
      return none(v, (s) => s.hyponyms) || inAll(listed(v ?? '', /,\s*/), (s) => s.hyponyms) ? undefined : 'kinds';
    }
    case 'example': {
      const v = field(', example:');
      if (v === undefined) return undefined; // the old form: checked for the word it uses (judgeAnswer)
      const sentence = norm(v.replace(/^"|"$/g, ''));
      return none(v, (s) => s.examples) || all.some((s) => s.examples.some((e) => norm(e) === sentence)) ? undefined : 'example';
    }
    default:
      return undefined;
  }
}

function sourceEntry(entry: Entry): SourceEntry {
  return {
    word: entry.word,
    ...(entry.inflectedFrom ? { inflectedFrom: entry.inflectedFrom } : {}),
    parts: entry.parts.map((p) => ({
      pos: POS_NAMES[p.pos],
      senses: p.senses.slice(0, SOURCE_SENSES).map((s) => ({ n: s.n, definition: s.definition, examples: s.examples.slice(0, 1), synonyms: s.synonyms.slice(0, 4) })),
    })),
  };
}

/** The lemmas a headword can stand for: itself, and with a lexicon its base forms ("Dogs" → dog). */
function headLemmas(headword: string, lex?: Lexicon): Set<string> {
  const w = normalizeLemma(headword);
  const out = new Set([w, w.replace(/-/g, '_')]);
  if (lex) for (const f of resolve(w, lex)) out.add(f.lemma);
  return out;
}

/** How a headword reads in a sentence: "Contact" → "contact"; "DNA" stays as written. */
function inText(headword: string): string {
  return /[A-Z]/.test(headword.slice(1)) ? headword : headword.charAt(0).toLowerCase() + headword.slice(1);
}

/** What to ask instead, when a question names no word the check could find. */
export const ASK_HINT = 'This assistant answers questions about English words: ask e.g. \u201cWhat does river mean?\u201d, \u201cSynonyms of happy?\u201d or \u201cUse jump in a sentence\u201d.';

const quote = (w: string) => `\u201c${w}\u201d`;

/** Whether a refusal names one of `words` as the user typed it (case aside). */
const quotesTyped = (parsed: ParsedAnswer, words: readonly AskedWord[]) => words.some((w) => w.typed.toLowerCase() === (parsed.refused ?? '').toLowerCase());

function listOf(words: string[]): string {
  const q = words.map(quote);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} or ${q.at(-1)}`;
}

/**
 * The verdict on `answer` (the model's text so far, or all of it) to `question`, given the lookup of the words asked.
 * With `lex`, headwords are compared through morphology too ("Dogs (noun)" for "dog"). `final` = the answer is
 * complete; otherwise undefined is returned while the answer's headword is not yet complete. `strict` (a model that
 * reads the entry) checks glosses with `copiedGloss`.
 */
export function judgeAnswer(question: string, answer: string, looked: LookupResult, lex?: Lexicon, final = true, strict = false): Grounding | undefined {
  const parsed = parseAnswer(answer);
  if (!final && !parsed.complete) return undefined;
  const words = looked.words;
  const asked = words.map((w) => w.typed);
  const known = words.filter((w) => w.entry);
  const unknown = words.filter((w) => !w.entry);
  const source = known.length ? { name: 'WordNet 3.0' as const, entries: known.map((w) => sourceEntry(w.entry!)) } : undefined;
  const base = { asked, ...(source ? { source } : {}) };

  if (parsed.form === 'offtopic-refusal' || parsed.form === 'greeting') {
    // A dictionary question about one word that WordNet has ("what is a river"; not a bare word as in the greeting
    // "Hi!", not a word merely mentioned as in "tell me a joke", not a number): the refusal is wrong, the entry answers.
    const bare = question.replace(/[^\p{L}\p{N}]+/gu, ' ').trim().toLowerCase() === (known[0]?.typed ?? '').toLowerCase();
    if (words.length === 1 && known.length === 1 && !bare && known[0].named !== 'mentioned' && /\p{L}/u.test(known[0].typed)) return { verdict: 'refused', withheld: true, ...base, notice: `The model did not answer about ${quote(known[0].typed)}; WordNet 3.0's entry is below.` };
    return { verdict: 'off-topic', withheld: false, asked };
  }
  if (!words.length) {
    // No word found to check against: an answer about a word must at least be about one the question names.
    const named = parsed.headword ?? parsed.refused;
    if (named && !mentions(question, named)) {
      return { verdict: 'wrong-word', withheld: true, asked, answeredAbout: inText(named), notice: `The model answered about ${quote(inText(named))}, which the question does not name, so its answer is hidden. ${ASK_HINT}` };
    }
    return { verdict: 'unchecked', withheld: false, asked };
  }

  if (!known.length) {
    // Every word asked is missing from WordNet: a refusal is right; anything else is made up.
    const suggestions = unknown.flatMap((w) => w.suggestions).filter((s, i, all) => all.indexOf(s) === i).slice(0, 5);
    const names = listOf(unknown.map((w) => w.typed));
    const notice = `${names} ${unknown.length > 1 ? 'are' : 'is'} not in WordNet 3.0.${suggestions.length ? ` Did you mean: ${suggestions.join(', ')}?` : ''}`;
    const refused = parsed.form === 'unknown-refusal';
    if (!refused && !final && parsed.form === 'other') return undefined;
    // A refusal counts only when it quotes a word the user typed ("I don't know the word "gordis"" for blorptastic does not).
    return { verdict: 'unknown-word', withheld: refused ? !quotesTyped(parsed, unknown) : !(parsed.form === 'other' && !answer.trim()), asked, notice, ...(suggestions.length ? { suggestions } : {}), ...(parsed.headword ? { answeredAbout: inText(parsed.headword) } : {}) };
  }

  const names = listOf(known.map((w) => w.typed));
  if (parsed.form === 'unknown-refusal') {
    // Shown only when it names a word the user typed ("I don't know the word "dreme"" for hello is hidden).
    return { verdict: 'refused', withheld: !quotesTyped(parsed, words), ...base, notice: `The model does not know ${names}; WordNet 3.0 does (see the source).` };
  }
  if (parsed.headword) {
    const heads = headLemmas(parsed.headword, lex);
    const about = inText(parsed.headword);
    const match = known.find((w) => w.lemmas.some((l) => heads.has(l)));
    if (match) {
      // The right word: once complete, what the answer says of it must be in its entry too.
      const wrong = final && match.entry ? unsupported(parsed, a0(answer), match.entry, known.map((w) => w.entry!), lex, strict) : undefined;
      if (wrong) return { verdict: 'unsupported', withheld: true, answeredAbout: about, ...base, notice: `The model's ${wrong} for ${quote(match.typed)} is not in WordNet's entry, so its answer is hidden.` };
      return { verdict: 'grounded', withheld: false, answeredAbout: about, ...base };
    }
    return { verdict: 'wrong-word', withheld: true, answeredAbout: about, ...base, notice: `The model answered about ${quote(about)}, not ${names}, so its answer is hidden.` };
  }
  if (parsed.form === 'example') {
    if (!final) return undefined; // judged once the sentence is complete
    const tokens = (parsed.example ?? '').toLowerCase().match(/[a-z]+(?:['-][a-z]+)*/g) ?? [];
    const lemmas = new Set(known.flatMap((w) => w.lemmas));
    const text = ` ${tokens.join(' ')} `;
    const uses = known.some((w) => w.lemmas.some((l) => l.includes('_') && text.includes(` ${l.replace(/_/g, ' ')} `))) || tokens.some((t) => [...headLemmas(t, lex)].some((l) => lemmas.has(l)));
    if (uses) return { verdict: 'grounded', withheld: false, ...base };
    return { verdict: 'wrong-word', withheld: true, ...base, notice: `The model's example does not use ${names}, so its answer is hidden.` };
  }
  // An answer about a word WordNet has, in none of the forms above, cannot be checked: the entry stands instead
  // (judged as soon as the form is known, so generation stops there).
  return { verdict: 'unsupported', withheld: true, ...base, notice: `The model's answer about ${names} is in no form that can be checked against WordNet, so it is hidden.` };
}
