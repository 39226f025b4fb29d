import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { contextBlock, contextMessages, NO_WORD } from './context';
import { lookupQuestion } from './grounding';
import { parseLexicon, type Lexicon } from './lexicon';

const FILE = fileURLToPath(new URL('../../../../public/models/chat/lexicon/lexicon.bin', import.meta.url));
let lex: Lexicon;

describe.skipIf(!existsSync(FILE))('context block', () => {
  beforeAll(() => {
    lex = parseLexicon(new Uint8Array(readFileSync(FILE)));
  });

  it('lays out the entry: the part asked first with three senses and the first sense details, other parts one sense', () => {
    const text = contextBlock(lookupQuestion('What does bread mean?', lex));
    const lines = text.split('\n');
    expect(lines[0]).toBe('bread (noun)');
    expect(lines[1]).toBe('1. food made from dough of flour or meal and usually raised with yeast or baking powder and then baked');
    expect(lines[2]).toMatch(/^2\. /);
    expect(lines).toContain('synonyms: breadstuff, staff of life');
    expect(lines).toContain('opposite: none');
    expect(lines).toContain('is a kind of: baked goods');
    expect(lines.some((l) => l.startsWith('kinds: '))).toBe(true);
    expect(lines).toContain('bread (verb)');
    expect(lines.at(-1)).toBe('1. cover with bread crumbs');
  });

  it('puts the part of speech asked for first, and verbs read "is a way to"', () => {
    const text = contextBlock(lookupQuestion('What does run mean as a noun?', lex));
    expect(text.split('\n')[0]).toBe('run (noun)');
    const verb = contextBlock(lookupQuestion('Define run as a verb.', lex));
    expect(verb.split('\n')[0]).toBe('run (verb)');
    expect(verb).toMatch(/\nis a way to: /);
  });

  it('resolves inflections to the lemma, quotes unknown words as typed with near spellings, and says when no word is named', () => {
    expect(contextBlock(lookupQuestion('Tell me about dogs', lex)).split('\n')[0]).toBe('dog (noun)');
    const unknown = contextBlock(lookupQuestion('What does Blorptastic mean?', lex));
    expect(unknown.split('\n')[0]).toBe('"Blorptastic": not in WordNet 3.0');
    expect(contextBlock(lookupQuestion('What does breda mean?', lex))).toMatch(/^"breda": not in WordNet 3.0\nnear: .*bread/);
    expect(contextBlock({ words: [] })).toBe(NO_WORD);
  });

  it('gives two words for a comparison, no more', () => {
    const text = contextBlock(lookupQuestion('What is the difference between bread and butter?', lex));
    expect(text.split('\n').filter((l) => / \((noun|verb|adjective|adverb)\)$/.test(l)).slice(0, 3)).toEqual(['bread (noun)', 'bread (verb)', 'butter (noun)']);
  });

  it('prompt: the previous exchange, the context as a system message, the question; older turns and system prompts left out', () => {
    const msgs = contextMessages(
      [
        { role: 'system', content: 'be nice' },
        { role: 'user', content: 'What does car mean?' },
        { role: 'assistant', content: 'car (noun): …' },
        { role: 'user', content: 'What does bread mean?' },
        { role: 'assistant', content: 'bread (noun): …' },
        { role: 'user', content: 'And its synonyms?' },
      ],
      contextBlock(lookupQuestion('And its synonyms?', lex, ['What does car mean?', 'What does bread mean?'])),
    );
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'system', 'user']);
    expect(msgs[0].content).toBe('What does bread mean?');
    expect(msgs[2].content.split('\n')[0]).toBe('bread (noun)');
    expect(() => contextMessages([{ role: 'assistant', content: 'x' }], NO_WORD)).toThrow();
  });
});
