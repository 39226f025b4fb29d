import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_SETTINGS } from './chat';
import type { CausalLM, StreamEvent } from './generate';
import { groundedChatTurn } from './grounded';
import { asTyped, judgeAnswer, lookupQuestion, parseAnswer } from './grounding';
import { parseLexicon, type Lexicon } from './lexicon';
import type { ChatTokenizer } from './tokenizer';
import type { ChatMessage } from './template';

const FILE = fileURLToPath(new URL('../../../../public/models/chat/lexicon/lexicon.bin', import.meta.url));
let lex: Lexicon;

const judge = (question: string, answer: string) => judgeAnswer(question, answer, lookupQuestion(question, lex), lex)!;

describe('parseAnswer (the answer forms of training/chat/corpus.py)', () => {
  it('reads the headword of each form, and waits while it is incomplete', () => {
    expect(parseAnswer('Contact (verb): be agreeable or acceptable to.')).toMatchObject({ form: 'meaning', headword: 'Contact', pos: 'verb', complete: true });
    expect(parseAnswer('Ice cream (noun): frozen dessert')).toMatchObject({ form: 'meaning', headword: 'Ice cream' });
    expect(parseAnswer('Synonyms of big (adjective): large.')).toMatchObject({ form: 'synonyms', headword: 'big' });
    expect(parseAnswer('The opposite of left (adjective) is inactive.')).toMatchObject({ form: 'antonyms', headword: 'left' });
    expect(parseAnswer('A dog is a kind of canine: a mammal')).toMatchObject({ form: 'hypernym', headword: 'dog' });
    expect(parseAnswer('To run is a way to travel: change location')).toMatchObject({ form: 'hypernym', headword: 'run' });
    expect(parseAnswer('Paris is an instance of national capital: the capital')).toMatchObject({ form: 'hypernym', headword: 'Paris' });
    expect(parseAnswer('For example: "the bread was stale".')).toMatchObject({ form: 'example', example: 'the bread was stale' });
    expect(parseAnswer('I don\'t know the word "gordis". It is not in my dictionary (WordNet 3.0).')).toMatchObject({ form: 'unknown-refusal', refused: 'gordis' });
    expect(parseAnswer('Sorry, I can only answer questions about English words')).toMatchObject({ form: 'offtopic-refusal' });
    for (const partial of ['', 'Con', 'Contact', 'Contact (ve', 'Contact (verb)', 'I don', 'For exa', 'Synonyms of bi']) expect(parseAnswer(partial).complete).toBe(false);
    expect(parseAnswer('x'.repeat(120)).complete).toBe(true);
  });

  it('quotes the word as the user typed it', () => {
    expect(asTyped('What does Blorptastic mean?', 'blorptastic')).toBe('Blorptastic');
    expect(asTyped('define ICE  Cream', 'ice cream')).toBe('ICE  Cream');
  });
});

describe.skipIf(!existsSync(FILE))('judgeAnswer against WordNet 3.0', () => {
  beforeAll(() => {
    lex = parseLexicon(new Uint8Array(readFileSync(FILE)));
  });

  it('bread → "Contact (verb)": wrong word, withheld, with the entry for bread as the source', () => {
    const g = judge('What does bread mean?', 'Contact (verb): be agreeable or acceptable to.');
    expect(g).toMatchObject({ verdict: 'wrong-word', withheld: true, answeredAbout: 'contact', asked: ['bread'] });
    expect(g.notice).toBe('The model answered about \u201ccontact\u201d, not \u201cbread\u201d, so its answer is hidden.');
    expect(g.source?.name).toBe('WordNet 3.0');
    expect(g.source?.entries[0].word).toBe('bread');
    expect(g.source?.entries[0].parts[0].senses[0].definition).toContain('food made from dough');
  });

  it('car → "Car (noun)": grounded, shown, source kept for the collapsed view', () => {
    const g = judge('What does car mean?', 'Car (noun): a motor vehicle with four wheels; usually propelled by an internal combustion engine.');
    expect(g).toMatchObject({ verdict: 'grounded', withheld: false, answeredAbout: 'car' });
    expect(g.notice).toBeUndefined();
    expect(g.source?.entries[0].parts[0].senses[0].definition).toContain('motor vehicle');
  });

  it('king → "Kick (noun)": wrong word', () => {
    expect(judge('Define king.', 'Kick (noun): the act of delivering a formal spoken communication to an audience.')).toMatchObject({ verdict: 'wrong-word', withheld: true, answeredAbout: 'kick' });
    expect(judge('What is the opposite of good?', 'The opposite of left (adjective) is inactive.')).toMatchObject({ verdict: 'wrong-word', answeredAbout: 'left' });
  });

  it('the right word with a claim its entry lacks is withheld (unsupported): gloss, synonyms, opposite, category', () => {
    // Right headword, another word's gloss (bread's headword with the gloss of "contact").
    const gloss = judge('What does bread mean?', 'Bread (noun): be agreeable or acceptable to.');
    expect(gloss).toMatchObject({ verdict: 'unsupported', withheld: true, answeredAbout: 'bread' });
    expect(gloss.notice).toBe('The model\'s definition for \u201cbread\u201d is not in WordNet\'s entry, so its answer is hidden.');
    expect(gloss.source?.entries[0].parts[0].senses[0].definition).toContain('food made from dough');
    // Any sense counts, and a copied gloss with its punctuation changed still matches.
    expect(judge('What does bank mean?', 'Bank (noun): a financial institution that accepts deposits and channels the money into lending activities')).toMatchObject({ verdict: 'grounded' });
    expect(judge('What does bank mean?', 'Bank (noun): sloping land (especially the slope beside a body of water).')).toMatchObject({ verdict: 'grounded' });
    expect(judge('Synonyms of car?', 'Synonyms of car (noun): auto, automobile, machine, motorcar.')).toMatchObject({ verdict: 'grounded' });
    expect(judge('Synonyms of car?', 'Synonyms of car (noun): auto, banana.')).toMatchObject({ verdict: 'unsupported', withheld: true });
    expect(judge('What is the opposite of good?', 'The opposite of good (adjective) is bad.')).toMatchObject({ verdict: 'grounded' });
    expect(judge('What is the opposite of good?', 'The opposite of good (adjective) is tall.')).toMatchObject({ verdict: 'unsupported' });
    expect(judge('What is a car a kind of?', 'A car is a kind of motor vehicle: a self-propelled wheeled vehicle.')).toMatchObject({ verdict: 'grounded' });
    expect(judge('What is a car a kind of?', 'A car is a kind of fruit: the ripened reproductive body of a seed plant.')).toMatchObject({ verdict: 'unsupported' });
    // While streaming the headword is enough to show the text; the claim is judged on the complete answer.
    expect(judgeAnswer('What does bread mean?', 'Bread (noun): be agreeable', lookupQuestion('What does bread mean?', lex), lex, false)).toMatchObject({ verdict: 'grounded' });
  });

  it('an inflection is grounded through morphology: "dogs" → "Dog (noun)", "went" → "Go (verb)"', () => {
    expect(judge('What does dogs mean?', 'Dog (noun): a member of the genus Canis.')).toMatchObject({ verdict: 'grounded', withheld: false });
    expect(judge('What does dog mean?', 'Dogs (noun): a member of the genus Canis.')).toMatchObject({ verdict: 'grounded' });
    expect(judge('What does went mean?', 'Go (verb): change location.')).toMatchObject({ verdict: 'grounded' });
    expect(judge('What does ice cream mean?', 'Ice cream (noun): frozen dessert.')).toMatchObject({ verdict: 'grounded' });
  });

  it('a made-up word: a definition is withheld, a refusal of that word stays; the notice quotes the word as typed', () => {
    const made = judge('What does Serendipty mean?', 'Cut (verb): separate with or as if with an instrument.');
    expect(made).toMatchObject({ verdict: 'unknown-word', withheld: true });
    expect(made.notice).toBe('\u201cSerendipty\u201d is not in WordNet 3.0. Did you mean: serendipity, serenity?');
    expect(made.source).toBeUndefined();
    const refused = judge('What does Blorptastic mean?', 'I don\'t know the word "blorptastic". It is not in my dictionary (WordNet 3.0).');
    expect(refused).toMatchObject({ verdict: 'unknown-word', withheld: false });
    expect(refused.notice).toMatch(/^\u201cBlorptastic\u201d is not in WordNet 3\.0\./);
    // A refusal that names another word than the one typed is hidden too: the notice alone is right.
    const misquoted = judge('What does blorptastic mean?', 'I don\'t know the word "gordis". It is not in my dictionary (WordNet 3.0).');
    expect(misquoted).toMatchObject({ verdict: 'unknown-word', withheld: true });
    expect(misquoted.notice).toMatch(/^\u201cblorptastic\u201d is not in WordNet 3\.0\./);
  });

  it('a refusal of a real word stays, with the WordNet entry as the source', () => {
    const g = judge('What does bread mean?', 'I don\'t know the word "bread". It is not in my dictionary (WordNet 3.0).');
    expect(g).toMatchObject({ verdict: 'refused', withheld: false });
    expect(g.source?.entries[0].parts[0].senses[0].definition).toContain('food made from dough');
  });

  it('a refusal that names another word, or an off-topic refusal of a one-word question, is hidden; the entry answers', () => {
    const hello = judge('hello', 'I don\'t know the word "dreme". It is not in my dictionary (WordNet 3.0).');
    expect(hello).toMatchObject({ verdict: 'refused', withheld: true });
    expect(hello.source?.entries[0].parts[0].senses[0].definition).toBe('an expression of greeting');
    const river = judge('what is a river', 'Sorry, I can only answer questions about English words: their meanings, synonyms, opposites, kinds and example sentences.');
    expect(river).toMatchObject({ verdict: 'refused', withheld: true, notice: 'The model did not answer about \u201criver\u201d; WordNet 3.0\'s entry is below.' });
    expect(river.source?.entries[0].parts[0].senses[0].definition).toContain('a large natural stream of water');
    // but a word only mentioned, or a number, keeps the refusal
    const refusal = 'Sorry, I can only answer questions about English words: their meanings, synonyms, opposites, kinds and example sentences.';
    expect(judge('tell me a joke', refusal)).toMatchObject({ verdict: 'off-topic', withheld: false });
    expect(judge('What is 2+2?', refusal)).toMatchObject({ verdict: 'off-topic', withheld: false });
  });

  it('with no word found in the question, an answer about a word the question does not name is hidden', () => {
    const q = 'What can you do?';
    const ago = judge(q, 'Ago (adjective): in the same quantity.');
    expect(ago).toMatchObject({ verdict: 'wrong-word', withheld: true, answeredAbout: 'ago' });
    expect(ago.notice).toMatch(/so its answer is hidden\. This assistant answers questions about English words: ask e\.g\. /);
    expect(judge(q, 'I don\'t know the word "discho". It is not in my dictionary (WordNet 3.0).')).toMatchObject({ verdict: 'wrong-word', withheld: true });
    expect(judge(q, 'Sorry, I can only answer questions about English words.')).toMatchObject({ verdict: 'off-topic', withheld: false });
  });

  it('off-topic refusals and greetings stay as they are', () => {
    expect(judge("What's the weather like in Paris today?", 'Sorry, I can only answer questions about English words: their meanings, synonyms, opposites, kinds and example sentences.')).toEqual({
      verdict: 'off-topic',
      withheld: false,
      asked: expect.any(Array),
    });
    expect(judge('Hi!', 'Sorry, I can only answer questions about English words.')).toMatchObject({ verdict: 'off-topic', withheld: false });
    expect(judge('Hello', 'Hello (noun): an expression of greeting.')).toMatchObject({ withheld: false });
  });

  it('examples must use the word asked; follow-ups are about the earlier word', () => {
    expect(judge('Use bread in a sentence.', 'For example: "the idea is a hard worker".')).toMatchObject({ verdict: 'wrong-word', withheld: true });
    expect(judge('Use bread in a sentence.', 'For example: "he bought two breads".')).toMatchObject({ verdict: 'grounded' });
    const looked = lookupQuestion('And its synonyms?', lex, ['What does car mean?']);
    expect(looked.words.map((w) => w.typed)).toEqual(['car']);
    expect(judgeAnswer('And its synonyms?', 'Synonyms of car (noun): auto, automobile, machine, motorcar.', looked, lex)).toMatchObject({ verdict: 'grounded' });
  });

  it('a streamed answer is judged as soon as its headword is complete', () => {
    const looked = lookupQuestion('What does bread mean?', lex);
    expect(judgeAnswer('What does bread mean?', 'Contact (ve', looked, lex, false)).toBeUndefined();
    expect(judgeAnswer('What does bread mean?', 'Contact (verb):', looked, lex, false)).toMatchObject({ verdict: 'wrong-word', withheld: true });
  });

  it('groundedChatTurn: a wrong-word answer stops at its headword and streams nothing; a grounded one streams all', async () => {
    const run = async (question: string, answer: string) => {
      const lm = new ScriptedLM(answer);
      const events: StreamEvent[] = [];
      const result = await groundedChatTurn(lm, tokenizer, [{ role: 'user', content: question }], { ...DEFAULT_CHAT_SETTINGS, maxNewTokens: 200 }, { eosTokenIds: [EOS], maxPositions: 4096 }, { lex, use: 'verify' }, (e) => events.push(e));
      return { result, shown: events.map((e) => e.delta).join('') };
    };
    const wrong = await run('What does bread mean?', 'Contact (verb): be agreeable or acceptable to.');
    expect(wrong.shown).toBe('');
    expect(wrong.result.text).toBe('Contact (verb):');
    expect(wrong.result.stopReason).toBe('aborted');
    expect(wrong.result.grounding).toMatchObject({ verdict: 'wrong-word', withheld: true });
    const right = await run('What does car mean?', 'Car (noun): a motor vehicle.');
    expect(right.shown).toBe('Car (noun): a motor vehicle.');
    expect(right.result).toMatchObject({ stopReason: 'eos', grounding: { verdict: 'grounded' } });
  });

  it("groundedChatTurn with use 'context': the model's prompt carries the entry (after the previous exchange); the result names it", async () => {
    const lm = new ScriptedLM('bread (noun), synonyms: breadstuff, staff of life.');
    const seen: ChatMessage[][] = [];
    const spy: ChatTokenizer = { ...tokenizer, encodeChat: (m) => (seen.push([...m]), tokenizer.encodeChat(m)) };
    const history: ChatMessage[] = [
      { role: 'user', content: 'What does car mean?' },
      { role: 'assistant', content: 'car (noun): a motor vehicle.' },
      { role: 'user', content: 'What does bread mean?' },
      { role: 'assistant', content: 'bread (noun): food made from dough.' },
      { role: 'user', content: 'And its synonyms?' },
    ];
    const result = await groundedChatTurn(lm, spy, history, { ...DEFAULT_CHAT_SETTINGS, maxNewTokens: 200 }, { eosTokenIds: [EOS], maxPositions: 4096 }, { lex, use: 'context' });
    const prompt = seen.at(-1)!;
    expect(prompt.map((m) => m.role)).toEqual(['user', 'assistant', 'system', 'user']);
    expect(prompt[0].content).toBe('What does bread mean?');
    expect(prompt[2].content).toBe(result.context);
    expect(result.context!.split('\n').slice(0, 2)).toEqual(['bread (noun)', '1. food made from dough of flour or meal and usually raised with yeast or baking powder and then baked']);
    expect(result).toMatchObject({ stopReason: 'eos', grounding: { verdict: 'grounded', withheld: false } });
    const verify = await groundedChatTurn(new ScriptedLM('x'), spy, history, DEFAULT_CHAT_SETTINGS, { eosTokenIds: [EOS], maxPositions: 4096 }, { lex, use: 'verify' });
    expect(seen.at(-1)).toEqual(history); // a model that only verifies gets the conversation as it is
    expect(verify.context).toBeUndefined();
  });
});

/** Token = character code; EOS = 0. Writes `answer` one character a step, then EOS. */
const EOS = 0;
class ScriptedLM implements CausalLM {
  cached: number[] = [];
  private step = 0;
  constructor(private readonly answer: string) {}
  forward(tokens: readonly number[]): Promise<Float32Array> {
    this.cached.push(...tokens);
    const logits = new Float32Array(256);
    logits[this.step < this.answer.length ? this.answer.charCodeAt(this.step) : EOS] = 1;
    this.step++;
    return Promise.resolve(logits);
  }
  reset(): void {
    this.cached = [];
  }
}

const tokenizer: ChatTokenizer = {
  encode: (t) => Array.from(t, (c) => c.charCodeAt(0) & 255),
  decode: (ids) => String.fromCharCode(...ids.filter((i) => i !== EOS)),
  tokenId: () => undefined,
  encodeChat: (m) => Array.from(m.map((x) => x.content).join('\n'), (c) => c.charCodeAt(0) & 255),
  template: '',
  hasChatTemplate: false,
  eosTokenIds: [EOS],
};
