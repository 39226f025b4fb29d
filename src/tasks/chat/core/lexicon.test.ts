import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { boundedDistance, findWords, formatContext, lookup, morphy, nearMisses, parseLexicon, sensesOf, synsetOf, type Lexicon } from './lexicon';

const FILE = fileURLToPath(new URL('../../../../public/models/chat/lexicon/lexicon.bin', import.meta.url));
const have = existsSync(FILE);

let lex: Lexicon;

/** The primary lemma of each candidate. */
const lemmas = (q: string) => findWords(q, lex).map((c) => c.lemma);

describe.skipIf(!have)('WordNet lexicon', () => {
  beforeAll(() => {
    const bytes = readFileSync(FILE);
    const t0 = performance.now();
    lex = parseLexicon(new Uint8Array(bytes));
    console.log(`lexicon: ${bytes.length} bytes gz, parsed in ${(performance.now() - t0).toFixed(0)} ms; ${Object.keys(lex.lemmas).length} lemmas, ${lex.synsets.length} synsets`);
  });

  it('has every lemma', () => {
    expect(Object.keys(lex.lemmas).length).toBeGreaterThan(146_000);
    expect(lex.synsets.length).toBe(117_659);
  });

  it('looks up entries with senses in frequency order', () => {
    const bread = lookup('bread', lex)!;
    expect(bread.parts[0].pos).toBe('n');
    const s1 = bread.parts[0].senses[0];
    expect(s1.definition).toContain('food made from dough');
    expect(s1.synonyms).toEqual(expect.arrayContaining(['breadstuff', 'staff of life']));
    expect(s1.hypernyms).toContain('baked goods');
    expect(lookup('dog', lex)!.parts[0].senses[0].hypernyms).toContain('canine');
    expect(lookup('dog', lex)!.parts[0].senses[0].examples).toEqual(['the dog barked all night']);
    const good = lookup('good', lex)!;
    expect(good.parts[0].pos).toBe('a');
    expect(good.parts[0].senses[0].antonyms).toContain('bad');
    expect(lookup('run', lex)!.parts[0].pos).toBe('v'); // verb senses are far more frequent
    expect(lookup('ice cream', lex)!.lemma).toBe('ice_cream');
    expect(lookup('Ice-Cream', lex)!.lemma).toBe('ice_cream');
    expect(sensesOf(lex, 'bread')!.n!.length).toBe(2);
    expect(synsetOf(lex, sensesOf(lex, 'dog')!.n![0])[1]).toEqual(['dog', 'domestic_dog', 'Canis_familiaris']);
    expect(lookup('constructor', lex)!.lemma).toBe('constructor'); // not Object.prototype
    expect(lookup('toString', lex)).toBeNull();
    expect(lookup('serendipty', lex)).toBeNull();
  });

  it('undoes inflections with morphy rules and exception lists', () => {
    expect(morphy('dogs', 'n', lex)).toEqual(['dog']);
    expect(morphy('went', 'v', lex)).toContain('go');
    expect(morphy('better', 'a', lex)).toEqual(expect.arrayContaining(['good', 'better']));
    expect(morphy('geese', 'n', lex)).toEqual(['goose']);
    expect(morphy('running', 'v', lex)).toEqual(['run']);
    expect(morphy('churches', 'n', lex)).toEqual(['church']);
    expect(morphy('ice creams', 'n', lex)).toEqual(['ice_cream']);
    expect(morphy('looked up', 'v', lex)).toContain('look_up');
    expect(lookup('went', lex)).toMatchObject({ lemma: 'go', inflectedFrom: 'went' });
    expect(lookup('geese', lex)!.lemma).toBe('goose');
    expect(lookup('running', lex, 'v')!.lemma).toBe('run');
    const better = findWords('better', lex)[0];
    expect(better.lemma).toBe('better'); // a lemma in its own right ...
    expect(better.forms.map((f) => f.lemma)).toContain('good'); // ... and the comparative of good
    const running = findWords('running', lex)[0];
    expect(running.forms.map((f) => f.lemma)).toEqual(expect.arrayContaining(['running', 'run']));
    expect(findWords('what does running mean as a verb', lex)[0].lemma).toBe('run');
  });

  it('finds the word a question is about under many phrasings', () => {
    expect(lemmas('What does bread mean?')).toEqual(['bread']);
    expect(lemmas('What does the word "winter" mean?')).toEqual(['winter']);
    expect(lemmas('What does the word \u201cwinter\u201d mean?')).toEqual(['winter']);
    expect(lemmas("what's the meaning of 'serendipity'?")).toEqual(['serendipity']);
    expect(lemmas('what is a river')).toEqual(['river']);
    expect(lemmas('What are rivers?')).toEqual(['river']);
    expect(lemmas('Tell me about dogs')).toEqual(['dog']);
    expect(lemmas('Define king.')).toEqual(['king']);
    expect(lemmas('king?')).toEqual(['king']);
    expect(lemmas('KING')).toEqual(['king']);
    expect(lemmas("what's the opposite of hot")).toEqual(['hot']);
    expect(lemmas('What is the antonym of good?')).toEqual(['good']);
    expect(lemmas('synonyms for happy')).toEqual(['happy']);
    expect(lemmas('another word for big')).toEqual(['big']);
    expect(lemmas('use ice cream in a sentence')).toEqual(['ice_cream']);
    expect(lemmas('Can you use "run" in a sentence?')).toEqual(['run']);
    expect(lemmas('give me an example sentence with jump')).toEqual(['jump']);
    expect(lemmas('difference between affect and effect')).toEqual(['affect', 'effect']);
    expect(lemmas("What's the difference between a crow and a raven?")).toEqual(['crow', 'raven']);
    expect(lemmas('cat vs dog')).toEqual(['cat', 'dog']);
    expect(lemmas('what does ice cream mean')).toEqual(['ice_cream']);
    expect(lemmas('Who was Shakespeare?')).toEqual(['shakespeare']);
    expect(lemmas('is blurb a word?')).toEqual(['blurb']);
    expect(lemmas('meaning of the verb to bank')).toEqual(['bank']);
    expect(findWords('meaning of the verb to bank', lex)[0].posHint).toBe('v');
    expect(lemmas('hello, could you please explain photosynthesis?')).toEqual(['photosynthesis']);
    expect(lemmas('ice cream definition')).toEqual(['ice_cream']);
    expect(lemmas('What does "mean" mean?')).toEqual(['mean']);
    expect(lemmas('Explain the word photosynthesis to me')).toEqual(['photosynthesis']);
    expect(lemmas('what does it mean to be happy')).toEqual(['happy']);
    expect(lemmas('How is affect different from effect?')).toEqual(['affect', 'effect']);
    expect(lemmas("what's a dog's tail called")).toEqual(['dog', 'tail', 'call']);
    expect(lemmas('tell me about the United States')).toEqual(['united_states']);
    expect(lemmas('What does "kick the bucket" mean?')).toEqual(['kick_the_bucket']);
    // training phrasings where the word comes before "what does it mean"
    expect(lemmas('boy: what does it mean?')).toEqual(['boy']);
    expect(lemmas('I came across the word election. What does it mean?')).toEqual(['election']);
    expect(findWords('I came across the word bithis. What does it mean?', lex).map((c) => [c.surface, c.lemma])).toEqual([['bithis', null]]);
    // a bare follow-up names no word (lookupQuestion then takes the earlier question's)
    expect(lemmas('And what does it mean?')).toEqual([]);
  });

  it('flags made-up words with spelling suggestions', () => {
    const [c] = findWords('What does serendipty mean?', lex);
    expect(c).toMatchObject({ surface: 'serendipty', lemma: null });
    expect(c.suggestions).toContain('serendipity');
    expect(findWords('define florbatious', lex)).toMatchObject([{ lemma: null }]);
    expect(nearMisses('recieve', lex)).toContain('receive');
    expect(nearMisses('definately', lex, 5)).toContain('definitely');
    expect(nearMisses('zzzzzzzzqqq', lex)).toEqual([]);
    expect(boundedDistance('abcd', 'abdc', 2)).toBe(1);
    expect(boundedDistance('kitten', 'sitting', 2)).toBe(3);
  });

  it('formats a bounded context block', () => {
    const text = formatContext(lookup('bread', lex)!);
    console.log(text);
    expect(text).toMatch(/^bread \(noun\): 1\. food made from dough of flour or meal/);
    expect(text).toContain('synonyms: breadstuff, staff of life');
    expect(text).toContain('kind of: baked goods');
    expect(text).toContain('bread (verb): 1. cover with bread crumbs');
    expect(text.length).toBeLessThanOrEqual(600);
    const good = formatContext(lookup('good', lex)!);
    expect(good).toContain('opposite: bad');
    expect(good.length).toBeLessThanOrEqual(600);
    const went = formatContext(lookup('went', lex)!, { maxSenses: 1 });
    expect(went).toMatch(/^\("went" is a form of "go"\)\ngo \(verb\): 1\. /);
    for (const w of ['run', 'set', 'head', 'break', 'take', 'line']) {
      for (const maxChars of [600, 200, 80]) expect(formatContext(lookup(w, lex)!, { maxSenses: 5, maxChars }).length).toBeLessThanOrEqual(maxChars);
    }
  });

  it('is fast enough (timings printed, bounds loose)', () => {
    const keys = Object.keys(lex.lemmas);
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const picks = Array.from({ length: 1000 }, () => keys[Math.floor(rnd() * keys.length)]);
    let t0 = performance.now();
    for (const w of picks) expect(lookup(w, lex)).not.toBeNull();
    const tLookup = performance.now() - t0;
    t0 = performance.now();
    for (const w of picks.slice(0, 200)) findWords(`What does ${w.replace(/_/g, ' ')} mean?`, lex);
    const tFind = performance.now() - t0;
    // misspell: drop one character
    const typos = picks.map((w) => (w.length > 3 ? w.slice(0, 2) + w.slice(3) : w + 'x'));
    nearMisses('warmup', lex);
    t0 = performance.now();
    let found = 0;
    for (let i = 0; i < typos.length; i++) if (nearMisses(typos[i], lex, 5, 2).length) found++;
    const tNear = performance.now() - t0;
    console.log(
      `1000 lookups ${tLookup.toFixed(0)} ms; 200 findWords ${tFind.toFixed(0)} ms; 1000 nearMisses ${tNear.toFixed(0)} ms (${(tNear / 1000).toFixed(2)} ms each, ${found} with hits)`,
    );
    expect(found).toBeGreaterThan(950);
    expect(tNear / 1000).toBeLessThan(100);
  });
});
