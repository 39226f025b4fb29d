// The grounded corpus's answers against the studio's answer check: every form the model is trained to write passes
// judgeAnswer for the word asked and is withheld for another word; the e2e questions resolve to their words.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { judgeAnswer, lookupQuestion } from '../../src/tasks/chat/core/grounding';
import { parseLexicon, type Lexicon } from '../../src/tasks/chat/core/lexicon';
import { answerFor, HELLO_REPLY, OFFTOPIC_REPLY, UNKNOWN_REPLY } from './grounded_corpus';

const FILE = fileURLToPath(new URL('../../public/models/chat/lexicon/lexicon.bin', import.meta.url));
let lex: Lexicon;
const KINDS = ['meaning', 'senses', 'synonyms', 'antonyms', 'hypernym', 'hyponyms', 'example'] as const;

describe.skipIf(!existsSync(FILE))('grounded corpus answers', () => {
  beforeAll(() => {
    lex = parseLexicon(new Uint8Array(readFileSync(FILE)));
  });

  it('every answer form about the word asked is grounded; about another word it is withheld', () => {
    for (const w of ['bread', 'river', 'dog', 'king', 'winter', 'hello', 'good', 'run', 'ice cream', 'serendipity', 'quickly']) {
      const q = `What does ${w} mean?`;
      const looked = lookupQuestion(q, lex);
      const entry = looked.words[0].entry!;
      const other = lookupQuestion('What does car mean?', lex).words[0].entry!;
      for (const kind of KINDS) {
        const answer = answerFor(kind, entry);
        expect(judgeAnswer(q, answer, looked, lex, true, true), `${w} ${kind}: ${answer}`).toMatchObject({ verdict: 'grounded', withheld: false });
        expect(judgeAnswer(q, answerFor(kind, other), looked, lex, true, true), `car for ${w} ${kind}`).toMatchObject({ withheld: true });
      }
    }
  });

  it('a claim not in the entry is withheld (gloss, synonym, opposite, category, example)', () => {
    const q = 'What does bread mean?';
    const looked = lookupQuestion(q, lex);
    for (const answer of ['bread (noun): a small carnivore with a bushy tail.', 'bread (noun), synonyms: river.', 'bread (noun), opposite: butter.', 'bread (noun) is a kind of: vehicle.', 'bread (noun), example: "the dog barked"']) {
      expect(judgeAnswer(q, answer, looked, lex, true, true), answer).toMatchObject({ verdict: 'unsupported', withheld: true });
    }
    // a garbled copy: close enough for the memorising model's lenient check, not for a model that reads the entry
    const s = 'What does serendipity mean?';
    const garbled = 'serendipity (noun): good luck in making unexpected and fortmosp know havetmosp discoveries.';
    expect(judgeAnswer(s, garbled, lookupQuestion(s, lex), lex, true, false)).toMatchObject({ verdict: 'grounded' });
    expect(judgeAnswer(s, garbled, lookupQuestion(s, lex), lex, true, true)).toMatchObject({ verdict: 'unsupported', withheld: true });
  });

  it('a comparison answers both words; a made-up word is refused quoting it; greetings and off-topic questions pass', () => {
    const q = 'What is the difference between bread and butter?';
    const looked = lookupQuestion(q, lex);
    const [b, u] = looked.words.map((w) => w.entry!);
    expect(judgeAnswer(q, `${answerFor('meaning', b)} ${answerFor('meaning', u)}`, looked, lex, true, true)).toMatchObject({ verdict: 'grounded' });
    expect(judgeAnswer(q, `${answerFor('meaning', b)} butter (noun): a small carnivore.`, looked, lex)).toMatchObject({ withheld: true });
    const made = 'What does Blorptastic mean?';
    expect(judgeAnswer(made, UNKNOWN_REPLY('Blorptastic', []), lookupQuestion(made, lex), lex)).toMatchObject({ verdict: 'unknown-word', withheld: false });
    expect(judgeAnswer('Hi!', HELLO_REPLY, lookupQuestion('Hi!', lex), lex)).toMatchObject({ verdict: 'off-topic', withheld: false });
    expect(judgeAnswer('hello', HELLO_REPLY, lookupQuestion('hello', lex), lex)).toMatchObject({ withheld: false });
    expect(judgeAnswer('Tell me a joke.', OFFTOPIC_REPLY, lookupQuestion('Tell me a joke.', lex), lex)).toMatchObject({ verdict: 'off-topic', withheld: false });
    // a greeting instead of the meaning of a word asked is not an answer
    expect(judgeAnswer('what is a river', HELLO_REPLY, lookupQuestion('what is a river', lex), lex)).toMatchObject({ withheld: true });
  });

  it("the issue's questions resolve to their words", () => {
    const first = (q: string) => lookupQuestion(q, lex).words[0]?.entry?.lemma;
    expect(['What does bread mean?', 'what is a river', 'Tell me about dogs', 'hello', 'What does the word "winter" mean?', 'Define king.'].map(first)).toEqual(['bread', 'river', 'dog', 'hello', 'winter', 'king']);
  });
});
