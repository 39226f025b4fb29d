/**
 * The context block a grounded dictionary model reads (pure): the WordNet entries of the words a question asks about,
 * as plain text, given to the model as a system message right before the question. The training corpus
 * (training/chat/grounded_corpus.ts) builds its prompts with this same function, so the model sees in the studio
 * exactly the layout it was trained on.
 *
 *     bread (noun)
 *     1. food made from dough of flour or meal and usually raised with yeast or baking powder and then baked
 *     2. informal terms for money
 *     synonyms: breadstuff, staff of life
 *     opposite: none
 *     is a kind of: baked goods
 *     kinds: French bread, corn bread, ...
 *     example: none
 *     bread (verb)
 *     1. cover with bread crumbs
 *
 * Each part of speech starts with a line `word (pos)`, so an answer that starts with that line copies the same tokens.
 * The first part is the one asked for (or the most frequent); it carries up to three senses and the details of its
 * first sense; the other parts carry their first sense. A word WordNet lacks reads `"typed": not in WordNet 3.0`
 * with the near spellings found; a question that names no word reads `(no word to look up)`.
 */
import type { LookupResult } from './grounding';
import { POS_NAMES, type Entry } from './lexicon';
import type { ChatMessage } from './template';

export const NO_WORD = '(no word to look up)';
/** At most this many words of one question are given (a comparison needs two). */
export const MAX_CONTEXT_WORDS = 2;
const MAIN_SENSES = 3;
const OTHER_PARTS = 2;

const list = (items: readonly string[], n: number) => (items.length ? items.slice(0, n).join(', ') : 'none');

/** One word's entry as context lines. */
export function entryContext(entry: Entry): string {
  const lines: string[] = [];
  entry.parts.slice(0, 1 + OTHER_PARTS).forEach((part, i) => {
    const pos = POS_NAMES[part.pos];
    lines.push(`${entry.word} (${pos})`);
    const senses = part.senses.slice(0, i === 0 ? MAIN_SENSES : 1);
    for (const s of senses) lines.push(`${s.n}. ${s.definition}`);
    if (i > 0) return;
    const first = part.senses[0];
    lines.push(`synonyms: ${list(first.synonyms, 4)}`);
    lines.push(`opposite: ${list(first.antonyms, 2)}`);
    lines.push(`${part.pos === 'v' ? 'is a way to' : 'is a kind of'}: ${list(first.hypernyms, 1)}`);
    lines.push(`kinds: ${list(first.hyponyms, 3)}`);
    lines.push(`example: ${first.examples.length ? `"${first.examples[0]}"` : 'none'}`);
  });
  return lines.join('\n');
}

/** The context block for a lookup: the entries (or "not in WordNet" lines) of its first words. */
export function contextBlock(looked: LookupResult): string {
  if (!looked.words.length) return NO_WORD;
  return looked.words
    .slice(0, MAX_CONTEXT_WORDS)
    .map((w) => (w.entry ? entryContext(w.entry) : `"${w.typed}": not in WordNet 3.0\nnear: ${list(w.suggestions, 3)}`))
    .join('\n');
}

/**
 * The prompt of a grounded turn, laid out as in training (`context` = `contextBlock` of the lookup): the previous exchange (one user question and its answer, so
 * "and its opposite?" has something to follow), the context block as a system message, then the question. Older
 * turns are left out: the lookup already resolved a follow-up to its word, and the model was trained on one exchange.
 */
export function contextMessages(messages: readonly ChatMessage[], context: string): ChatMessage[] {
  const turns = messages.filter((m) => m.role !== 'system');
  const question = turns.at(-1);
  if (!question || question.role !== 'user') throw new Error('contextMessages: the last message must be the question');
  const before = turns.slice(0, -1);
  const prev = before.length >= 2 && before.at(-2)!.role === 'user' && before.at(-1)!.role === 'assistant' ? before.slice(-2) : [];
  return [...prev, { role: 'system', content: context }, question];
}
