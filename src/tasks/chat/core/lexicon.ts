/**
 * WordNet 3.0 lexicon lookup for retrieval-grounded chat answers (pure, no DOM).
 *
 * The lexicon is built by `training/chat/lexicon.py` into `public/models/chat/lexicon/lexicon.bin`.
 * `findWords` extracts the word(s) a question is about, `lookup` returns an entry, `formatContext`
 * renders it as a compact context block for the prompt and `nearMisses` suggests spellings.
 */
import { gunzipSync } from 'fflate';

export type Pos = 'n' | 'v' | 'a' | 'r';
export const POS_ORDER: readonly Pos[] = ['n', 'v', 'a', 'r'];
export const POS_NAMES: Record<Pos, string> = { n: 'noun', v: 'verb', a: 'adjective', r: 'adverb' };

/** [pos, words, definition, examples, hypernyms, hyponyms, antonyms([srcWord, synset, dstWord])] */
export type RawSynset = [Pos, string[], string, string[], number[], number[], [number, number, number][]];

/**
 * The on-disk JSON. Synsets and lemma entries are flat strings, decoded on demand, because
 * JSON.parse of ~120k small nested arrays costs seconds. A synset is tab-separated
 * `pos, words (space-separated), definition, examples (|-separated), hypernym ids, hyponym ids
 * (comma-separated), antonyms (;-separated src,synset,dst)`; a lemma entry is `n12,34;v56`.
 */
export interface RawLexicon {
  version: 1;
  source: string;
  pos: Pos[];
  synsets: string[];
  lemmas: Record<string, string>;
  freq: Record<string, [number, number, number, number]>;
  exc: Record<Pos, Record<string, string[]>>;
}

export interface Lexicon extends RawLexicon {
  /** Most words in any lemma (for longest-match phrase search). */
  maxWords: number;
  /** Lemmas bucketed by length, with a letter-set mask each; built on the first `nearMisses` call. */
  buckets?: Map<number, { words: string[]; masks: Uint32Array }>;
  /** Decoded synsets. */
  cache: Map<number, RawSynset>;
}

const ints = (t: string): number[] => (t ? t.split(',').map(Number) : []);

/** Synset `id`, decoded. */
export function synsetOf(lex: Lexicon, id: number): RawSynset {
  let s = lex.cache.get(id);
  if (!s) {
    const [pos, words, definition, examples, hyper, hypo, ants] = lex.synsets[id].split('\t');
    s = [pos as Pos, words.split(' '), definition, examples ? examples.split('|') : [], ints(hyper), ints(hypo), ants ? ants.split(';').map((a) => ints(a) as [number, number, number]) : []];
    if (lex.cache.size > 20_000) lex.cache.clear();
    lex.cache.set(id, s);
  }
  return s;
}

/** Synset ids of `lemma` per part of speech in WordNet sense order, or null when it is not a lemma. */
export function sensesOf(lex: RawLexicon, lemma: string): Partial<Record<Pos, number[]>> | null {
  if (!has(lex.lemmas, lemma)) return null;
  const out: Partial<Record<Pos, number[]>> = {};
  for (const g of lex.lemmas[lemma].split(';')) out[g[0] as Pos] = ints(g.slice(1));
  return out;
}

export interface Sense {
  /** WordNet sense number within its part of speech (1 = most frequent). */
  n: number;
  synset: number;
  definition: string;
  examples: string[];
  synonyms: string[];
  antonyms: string[];
  hypernyms: string[];
  hyponyms: string[];
}

export interface Entry {
  /** The WordNet lemma (lower case, underscores). */
  lemma: string;
  /** The lemma as text (spaces). */
  word: string;
  /** The inflected form asked about when it differs from the lemma ("went" for "go"). */
  inflectedFrom?: string;
  /** Parts of speech, most frequent first, each with its senses in WordNet order. */
  parts: { pos: Pos; senses: Sense[] }[];
}

export interface LemmaForm {
  lemma: string;
  pos: Pos[];
  via: 'exact' | 'inflection';
}

export interface Candidate {
  /** The text in the question ("dogs", "ice cream"). */
  surface: string;
  /** The best lemma (forms[0]), or null when the word is not in WordNet. */
  lemma: string | null;
  forms: LemmaForm[];
  /** Part of speech asked for ("as a verb"), when the question says. */
  posHint?: Pos;
  /** Spelling suggestions, only for unknown words. */
  suggestions: string[];
  /** How the question names it: quoted, in a dictionary question ("what does X mean", "define X"), or only as one of its words. */
  named: 'quoted' | 'asked' | 'mentioned';
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

// ---------------------------------------------------------------------------------------------
// Loading

export function parseLexicon(input: Uint8Array | ArrayBuffer | RawLexicon | string): Lexicon {
  let raw: RawLexicon;
  if (typeof input === 'string') raw = JSON.parse(input) as RawLexicon;
  else if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    let bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    raw = JSON.parse(new TextDecoder().decode(bytes)) as RawLexicon;
  } else raw = input;
  if (raw.version !== 1 || !Array.isArray(raw.synsets) || typeof raw.lemmas !== 'object') throw new Error('lexicon: unsupported format');
  let maxWords = 1;
  for (const k in raw.lemmas) {
    let n = 1;
    for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) === 95) n++;
    if (n > maxWords) maxWords = n;
  }
  return { ...raw, maxWords: Math.min(maxWords, 6), cache: new Map() };
}

// ---------------------------------------------------------------------------------------------
// Morphology (WordNet's morphy: exception lists + detachment rules)

const RULES: Record<Pos, [string, string][]> = {
  n: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  v: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  a: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  r: [],
};

function inIndex(lex: RawLexicon, lemma: string, pos: Pos): boolean {
  if (!has(lex.lemmas, lemma)) return false;
  const e = lex.lemmas[lemma];
  return e[0] === pos || e.includes(';' + pos);
}

/** Base forms of `word` for `pos` that are WordNet lemmas (exceptions first, then the word, then rules). */
export function morphy(word: string, pos: Pos, lex: RawLexicon): string[] {
  const w = normalizeLemma(word);
  const out: string[] = [];
  const add = (b: string) => {
    if (b && inIndex(lex, b, pos) && !out.includes(b)) out.push(b);
  };
  const exc = lex.exc[pos];
  if (exc && has(exc, w)) for (const b of exc[w]) add(b);
  add(w);
  if (!w.includes('_')) {
    for (const [suf, rep] of RULES[pos]) if (w.endsWith(suf) && w.length > suf.length + 1) add(w.slice(0, -suf.length) + rep);
    if (pos === 'n' && w.endsWith('ful')) for (const b of morphy(w.slice(0, -3), 'n', lex)) add(b + 'ful');
  } else {
    // collocations: inflect the last word ("ice creams") or, for verbs, the first ("looks up")
    const parts = w.split('_');
    const last = parts[parts.length - 1];
    for (const b of morphyWord(last, pos, lex)) add([...parts.slice(0, -1), b].join('_'));
    if (pos === 'v') for (const b of morphyWord(parts[0], 'v', lex)) add([b, ...parts.slice(1)].join('_'));
  }
  return out;
}

/** Candidate base forms of a single word, without requiring them to be in the index. */
function morphyWord(w: string, pos: Pos, lex: RawLexicon): string[] {
  const out = new Set<string>();
  const exc = lex.exc[pos];
  if (exc && has(exc, w)) for (const b of exc[w]) out.add(b);
  for (const [suf, rep] of RULES[pos]) if (w.endsWith(suf) && w.length > suf.length + 1) out.add(w.slice(0, -suf.length) + rep);
  return [...out];
}

export function normalizeLemma(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .trim()
    .replace(/\s+/g, '_');
}

/** All lemma forms `phrase` can stand for: the exact lemma first, then inflection bases. */
export function resolve(phrase: string, lex: RawLexicon): LemmaForm[] {
  const w = normalizeLemma(phrase);
  const forms: LemmaForm[] = [];
  const push = (lemma: string, pos: Pos, via: LemmaForm['via']) => {
    const f = forms.find((x) => x.lemma === lemma);
    if (f) {
      if (!f.pos.includes(pos)) f.pos.push(pos);
    } else forms.push({ lemma, pos: [pos], via });
  };
  const variants = [w];
  if (w.includes('_')) variants.push(w.replace(/_/g, '-'));
  else if (w.includes('-')) variants.push(w.replace(/-/g, '_'), w.replace(/-/g, ''));
  if (w.includes('_') && w.split('_').every((t) => t.length > 2)) variants.push(w.replace(/_/g, '')); // "night club" -> "nightclub"
  for (const v of variants) for (const p of POS_ORDER) if (inIndex(lex, v, p)) push(v, p, 'exact');
  for (const v of variants) for (const p of POS_ORDER) for (const b of morphy(v, p, lex)) if (b !== v) push(b, p, 'inflection');
  if (w.endsWith("'s") && w.length > 2) for (const f of resolve(w.slice(0, -2), lex)) for (const p of f.pos) push(f.lemma, p, 'inflection');
  return forms;
}

// ---------------------------------------------------------------------------------------------
// Lookup and context

function display(w: string): string {
  return w.replace(/_/g, ' ');
}

function lemmaFreq(lex: RawLexicon, lemma: string): number {
  if (!has(lex.freq, lemma)) return 0;
  const f = lex.freq[lemma];
  return f[0] + f[1] + f[2] + f[3];
}

function makeSense(lex: Lexicon, lemma: string, id: number, n: number, hyponymCap = 8): Sense {
  const [, words, definition, examples, hyper, hypo, ants] = synsetOf(lex, id);
  const lower = words.map((w) => w.toLowerCase());
  const me = lower.indexOf(lemma);
  const head = (sid: number) => display(synsetOf(lex, sid)[1][0]);
  return {
    n,
    synset: id,
    definition,
    examples,
    synonyms: words.filter((_, i) => lower[i] !== lemma).map(display),
    antonyms: ants.filter(([src]) => me < 0 || src === me).map(([, sid, dst]) => display(synsetOf(lex, sid)[1][dst])),
    hypernyms: hyper.map(head),
    hyponyms: hypo.slice(0, hyponymCap).map(head),
  };
}

/** The entry for `word` (exact lemma, or its base form via morphy), or null if WordNet lacks it. */
export function lookup(word: string, lex: Lexicon, pos?: Pos): Entry | null {
  const w = normalizeLemma(word);
  let lemma = w;
  let inflectedFrom: string | undefined;
  if (!has(lex.lemmas, w) || (pos && !inIndex(lex, w, pos))) {
    const forms = resolve(w, lex);
    const f = (pos && forms.find((x) => x.pos.includes(pos))) || forms[0];
    if (!f) return null;
    lemma = f.lemma;
    if (lemma !== w) inflectedFrom = w;
  }
  const byPos = sensesOf(lex, lemma)!;
  const freq = has(lex.freq, lemma) ? lex.freq[lemma] : [0, 0, 0, 0];
  const poses = POS_ORDER.filter((p) => byPos[p]).sort((a, b) => freq[POS_ORDER.indexOf(b)] - freq[POS_ORDER.indexOf(a)] || POS_ORDER.indexOf(a) - POS_ORDER.indexOf(b));
  if (pos && poses.includes(pos)) poses.splice(poses.indexOf(pos), 1), poses.unshift(pos);
  return {
    lemma,
    word: display(lemma),
    ...(inflectedFrom ? { inflectedFrom: display(inflectedFrom) } : {}),
    parts: poses.map((p) => ({ pos: p, senses: byPos[p]!.map((id, i) => makeSense(lex, lemma, id, i + 1)) })),
  };
}

export interface ContextOptions {
  /** Senses shown in all (default 3): the first sense of each part of speech, then more from the first part. */
  maxSenses?: number;
  /** Hard bound on the block's length (default 600). */
  maxChars?: number;
}

function senseText(s: Sense, level: number): string {
  let t = `${s.n}. ${s.definition}`;
  if (level >= 1 && s.synonyms.length) t += `; synonyms: ${s.synonyms.slice(0, 4).join(', ')}`;
  if (level >= 1 && s.antonyms.length) t += `; opposite: ${s.antonyms.slice(0, 2).join(', ')}`;
  if (level >= 2 && s.hypernyms.length) t += `; kind of: ${s.hypernyms.slice(0, 2).join(', ')}`;
  if (level >= 3 && s.hyponyms.length) t += `; kinds: ${s.hyponyms.slice(0, 3).join(', ')}`;
  if (level >= 1 && s.examples.length) t += `; example: "${s.examples[0]}"`;
  return t;
}

/** A compact plain-text block describing `entry` for the prompt, at most `maxChars` long. */
export function formatContext(entry: Entry, opts: ContextOptions = {}): string {
  const maxSenses = Math.max(1, opts.maxSenses ?? 3);
  const maxChars = Math.max(40, opts.maxChars ?? 600);
  // choose senses: first of each part of speech, then further senses in part order
  const picks: { part: number; sense: number }[] = [];
  for (let round = 0; picks.length < maxSenses; round++) {
    let any = false;
    for (let p = 0; p < entry.parts.length && picks.length < maxSenses; p++) {
      if (round === 0 || p === 0 || round < 2) {
        if (round < entry.parts[p].senses.length) {
          picks.push({ part: p, sense: round });
          any = true;
        }
      }
    }
    if (!any) break;
  }
  picks.sort((a, b) => a.part - b.part || a.sense - b.sense);
  const header = entry.inflectedFrom ? `("${entry.inflectedFrom}" is a form of "${entry.word}")\n` : '';
  const render = (levels: number[]): string => {
    const lines: string[] = [];
    let idx = 0;
    for (let p = 0; p < entry.parts.length; p++) {
      const texts: string[] = [];
      for (; idx < picks.length && picks[idx].part === p; idx++) if (levels[idx] >= 0) texts.push(senseText(entry.parts[p].senses[picks[idx].sense], levels[idx]));
      if (texts.length) lines.push(`${entry.word} (${POS_NAMES[entry.parts[p].pos]}): ${texts.join(' ')}`);
    }
    return header + lines.join('\n');
  };
  // start with everything, then shed detail from the last sense backwards until it fits
  const levels = picks.map(() => 3);
  let text = render(levels);
  for (let i = picks.length - 1; text.length > maxChars && i >= 0; ) {
    if (levels[i] > (i === 0 ? 0 : -1)) levels[i]--;
    else i--;
    text = render(levels);
  }
  if (text.length > maxChars) {
    const cut = text.slice(0, maxChars - 1);
    const sp = cut.lastIndexOf(' ');
    text = (sp > maxChars * 0.6 ? cut.slice(0, sp) : cut) + '…';
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Spelling suggestions

function letterMask(w: string): number {
  let m = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    m |= c >= 97 && c <= 122 ? 1 << (c - 97) : 1 << 26;
  }
  return m;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function buckets(lex: Lexicon): NonNullable<Lexicon['buckets']> {
  if (lex.buckets) return lex.buckets;
  const tmp = new Map<number, string[]>();
  for (const k in lex.lemmas) {
    const b = tmp.get(k.length);
    if (b) b.push(k);
    else tmp.set(k.length, [k]);
  }
  const out = new Map<number, { words: string[]; masks: Uint32Array }>();
  for (const [len, words] of tmp) out.set(len, { words, masks: Uint32Array.from(words, letterMask) });
  lex.buckets = out;
  return out;
}

const rowA = new Int32Array(64);
const rowB = new Int32Array(64);
const rowC = new Int32Array(64);

/** Optimal-string-alignment distance, or max+1 as soon as it must exceed `max`. */
export function boundedDistance(a: string, b: string, max: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (m >= 63) return max + 1;
  let prev2 = rowA;
  let prev = rowB;
  let cur = rowC;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let best = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1);
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

/** Up to `k` lemmas within edit distance 2 of `word`: closest first, then same first letter, then most frequent. */
export function nearMisses(word: string, lex: Lexicon, k = 5, maxDistance = 2): string[] {
  const w = normalizeLemma(word);
  if (!w || w.length > 60) return [];
  const qm = letterMask(w);
  const hits: { w: string; d: number; same: number; f: number }[] = [];
  const bs = buckets(lex);
  for (let len = Math.max(1, w.length - maxDistance); len <= w.length + maxDistance; len++) {
    const b = bs.get(len);
    if (!b) continue;
    const { words, masks } = b;
    for (let i = 0; i < words.length; i++) {
      const cm = masks[i];
      // each edit adds at most one new letter and removes at most one
      if (popcount(cm & ~qm) > maxDistance || popcount(qm & ~cm) > maxDistance) continue;
      const c = words[i];
      if (c === w) continue;
      const d = boundedDistance(w, c, maxDistance);
      if (d <= maxDistance) hits.push({ w: c, d, same: c[0] === w[0] ? 0 : 1, f: lemmaFreq(lex, c) });
    }
  }
  hits.sort((x, y) => x.d - y.d || x.same - y.same || y.f - x.f || (x.w < y.w ? -1 : x.w > y.w ? 1 : 0));
  return hits.slice(0, k).map((h) => display(h.w));
}

// ---------------------------------------------------------------------------------------------
// Finding the word(s) a question is about

const STOP = new Set(
  (
    "a an the some any this that these those it its it's i me my mine you your we us our they them their he him his she her " +
    'what whats who whom whose which where when why how is are was were be been being am do does did done can could would should ' +
    'will shall may might must has have had of for to in on at by with about from as into between and or but if than then so not ' +
    'mean means meant meaning meanings define defined definition definitions word words term terms phrase expression tell explain ' +
    'describe give show list synonym synonyms antonym antonyms opposite opposites example examples sentence sentences use using ' +
    'please difference differences kind kinds type types sense senses know plural spell spelling pronounce say another other like ' +
    'similar same thing something exactly really again s hi hello hey thanks thank okay ok dictionary look up lookup info ' +
    'information english noun verb adjective adverb there here want wanted need let lets'
  ).split(/\s+/),
);

const PRONOUN = new Set(['it', 'this', 'that', 'these', 'those', 'they', 'them', 'he', 'she', 'him', 'her', 'you', 'i', 'me', 'we', 'us']);

const POS_WORDS: Record<string, Pos> = { noun: 'n', verb: 'v', adjective: 'a', adj: 'a', adverb: 'r', adv: 'r' };

const LEADING = /^(?:(?:the|a|an|some|my|your|this|that|these|those)\s+)?(?:(?:word|words|term|terms|phrase|expression|noun|verb|adjective|adverb)\s+)?/;
const TRAILING =
  /(?:\s+(?:mean|means|meant|stand for|stands for|exactly|please|in english|for me|again|actually|is|are|was|were|is a word|a word|are there|is there|mean in english|means in english|definition|meaning|now|then|thanks|thank you|to me|for me|to us|called))+$/;

const PATTERNS: RegExp[] = [
  // "boy: what does it mean?", "I came across the word bithis. What does it mean?": the word comes before the pronoun
  /^(.+?):\s*what (?:does|do|did) (?:it|this|that) mean$/,
  /\bword (.+?)[.,;:!]\s*what (?:does|do|did) (?:it|this|that) mean$/,
  /\bdifferences? between (.+?) and (.+)$/,
  /\bhow (?:is|are|does|do) (.+?) differ(?:ent)? (?:from|to|than) (.+)$/,
  /\bwhat (?:does|do|did) it mean (?:to be|to|if (?:you are|i am|someone is)|when (?:you are|someone is)) (.+)$/,
  /\b(?:compare|contrast|distinguish) (.+?) (?:and|with|to|from|vs\.?|versus) (.+)$/,
  /^(.+?) (?:vs\.?|versus) (.+)$/,
  /\b(?:opposites?|antonyms?|synonyms?|meanings?|definitions?|senses?|examples?|plurals?|hypernyms?|hyponyms?|past tense|etymology|origin|spelling) (?:of|for|to|with) (.+)$/,
  /\b(?:another|other|different|similar|a) words? (?:for|to|as|like|meaning) (.+)$/,
  /\bwords? (?:that means?|meaning|similar to|like) (.+)$/,
  /\buse (.+?) in an? (?:sentence|example)\b/,
  /\b(?:sentence|example|examples) (?:with|using|for|containing|of|that uses?) (.+)$/,
  /^(?:put )?(.+?) in an? sentence\b/,
  /\bwhat (?:does|do|did) (.+?) (?:mean|means|stand for)\b/,
  /\bwhat is meant by (.+)$/,
  /\b(?:define|explain|describe|clarify|look up|lookup|tell me (?:about|what)|what about|how about|talk about|info(?:rmation)? (?:on|about)|know about|learn about|facts about)\s+(.+)$/,
  /^is (.+?) a (?:real |proper |valid |english )?word$/,
  /\bhow (?:do you|do i|to|would you|should i) (?:spell|pronounce|use) (.+)$/,
  /\b(?:what|who) (?:kind of thing )?(?:is|are|was|were|'s|s|'re) (.+)$/,
  /^(.+?) (?:definition|meaning|synonyms?|antonyms?|opposite)$/,
];

function cleanSpan(s: string): { text: string; pos?: Pos } {
  let t = s.trim().replace(/^["']+|["']+$/g, '').trim();
  let pos: Pos | undefined;
  const m = /\b(?:as an?|the|in the) (noun|verb|adjective|adj|adverb|adv)\b/.exec(t) ?? /\((noun|verb|adjective|adj|adverb|adv)\)/.exec(t) ?? /^(noun|verb|adjective|adverb) /.exec(t);
  if (m) pos = POS_WORDS[m[1]];
  t = t.replace(/\s*\b(?:as an?|when used as an?|used as an?) (?:noun|verb|adjective|adj|adverb|adv)\b\s*/g, ' ').replace(/\((?:noun|verb|adjective|adj|adverb|adv)\)/g, ' ');
  for (let i = 0; i < 3; i++) t = t.trim().replace(TRAILING, '').replace(LEADING, '').trim();
  t = t.replace(/^["']+|["']+$/g, '').replace(/^to\s+(?=\S)/, '').trim();
  return { text: t, pos };
}

function tokenize(s: string): string[] {
  return s.match(/[a-z0-9]+(?:['.\-][a-z0-9]+)*/g) ?? [];
}

function normalizeQuestion(q: string): string {
  return q
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d\u00ab\u00bb]/g, '"')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Candidates for the words in `span`: longest lemma matches first; unknown words get suggestions. */
function matchSpan(span: string, lex: Lexicon, keepStop: boolean, posHint: Pos | undefined, named: Candidate['named'], out: Candidate[]): void {
  const toks = tokenize(span);
  const single = toks.length === 1;
  for (let i = 0; i < toks.length; ) {
    let matched = false;
    for (let len = Math.min(lex.maxWords, toks.length - i); len >= 1; len--) {
      const phrase = toks.slice(i, i + len).join(' ');
      if (len === 1 && (STOP.has(phrase) || STOP.has(phrase.replace(/'(?:s|re|m|ll|d|ve|t)$/, ''))) && !(keepStop && single && !PRONOUN.has(phrase))) break;
      let forms = resolve(phrase, lex);
      if (len > 1 && !forms.length) continue;
      if (len > 1 && forms.every((f) => f.via === 'inflection') && forms[0].lemma.split('_').length !== len) continue;
      if (posHint) forms = [...forms.filter((f) => f.pos.includes(posHint)), ...forms.filter((f) => !f.pos.includes(posHint))];
      const surface = phrase.replace(/'s$/, '');
      if (forms.length) {
        if (!out.some((c) => c.lemma === forms[0].lemma)) out.push({ surface, lemma: forms[0].lemma, forms, ...(posHint ? { posHint } : {}), suggestions: [], named });
      } else if (/[a-z]/.test(phrase) && phrase.length > 1) {
        if (!out.some((c) => c.surface === surface)) out.push({ surface, lemma: null, forms: [], ...(posHint ? { posHint } : {}), suggestions: nearMisses(surface, lex, 5), named });
      }
      i += len;
      matched = true;
      break;
    }
    if (!matched) i++;
  }
}

/** The word(s) `question` is about, most likely first. */
export function findWords(question: string, lex: Lexicon): Candidate[] {
  const q = normalizeQuestion(question);
  const out: Candidate[] = [];
  const spans: { text: string; pos?: Pos; keepStop: boolean; named: Candidate['named'] }[] = [];
  // 1. quoted words win
  const quoted = [...q.matchAll(/"([^"]+)"/g), ...q.matchAll(/(?:^|[\s(:])'([^']+)'(?=$|[\s.,;:!?)])/g)].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  let qpos: Pos | undefined;
  const pm = /\b(?:as an?|the) (noun|verb|adjective|adj|adverb|adv)\b/.exec(q);
  if (pm) qpos = POS_WORDS[pm[1]];
  for (const m of quoted) spans.push({ text: m[1].trim(), pos: qpos, keepStop: true, named: 'quoted' });
  // 2. question patterns
  if (!spans.length) {
    const body = q
      .replace(/[?!.,;:]+$/g, '')
      .replace(/^(?:(?:hi|hello|hey|ok|okay|so|please|excuse me)[,!]?\s+)+/, '')
      .replace(/^(?:can|could|would|will) you (?:please )?/, '')
      .replace(/^(?:i (?:want|would like|'d like) to know|do you know|i wonder|i was wondering)\s+/, '')
      .trim();
    for (const re of PATTERNS) {
      const m = re.exec(body);
      if (!m) continue;
      for (const g of m.slice(1)) {
        const c = cleanSpan(g);
        if (c.text) spans.push({ text: c.text, pos: c.pos ?? qpos, keepStop: true, named: 'asked' });
      }
      if (spans.length) break;
    }
    // 3. otherwise: every content word of the question
    // a short question with no pattern ("whats rile", "river?") still asks about its word; a longer one only mentions it
    if (!spans.length) spans.push({ text: body, pos: qpos, keepStop: tokenize(body).length === 1, named: tokenize(body).length <= 2 ? 'asked' : 'mentioned' });
  }
  for (const s of spans) matchSpan(s.text, lex, s.keepStop, s.pos, s.named, out);
  return out;
}
