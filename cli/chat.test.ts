import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MODELS_DIR } from '../src/runtime/node';
import { UsageError } from './args';
import { chatMain, chatModelDir } from './chat';

const reference = JSON.parse(readFileSync(join(MODELS_DIR, 'chat', 'tiny-random', 'reference.json'), 'utf8'));
const [system, user] = reference.messages.map((m: { content: string }) => m.content);

async function run(...args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    expect(await chatMain(args)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('npm run infer -- chat', () => {
  it("greedy --json on the tiny model: PyTorch's tokens, with token count, TTFT and tokens/s", async () => {
    const out = JSON.parse(await run(user, '--system', system, '--model', 'tiny-random', '--max-tokens', String(reference.maxNewTokens), '--json'));
    expect(out.tokenIds).toEqual(reference.greedyTokens);
    expect(out).toMatchObject({ tokens: 24, promptTokens: reference.promptIds.length, stopReason: 'max-tokens', decoding: { sampling: false } });
    expect(out.ttftMs).toBeGreaterThan(0);
    expect(out.tokensPerSecond).toBeGreaterThan(0);
  });

  it("the grounded dictionary model (the default): the context block built here, then PyTorch's greedy answer, token for token", async () => {
    const ref = JSON.parse(readFileSync(join(MODELS_DIR, 'chat', 'wordnet-grounded', 'reference.json'), 'utf8'));
    const out = JSON.parse(await run(ref.messages.at(-1).content, '--max-tokens', String(ref.maxNewTokens), '--json'));
    expect(out.context).toBe(ref.messages.at(-2).content);
    expect(out.tokenIds).toEqual(ref.greedyTokens);
    expect(out.verdict).toBe('grounded');
    const bread = JSON.parse(await run('What does bread mean?', '--json'));
    expect(bread.answer).toMatch(/^bread \(noun\): food made from dough of flour or meal/);
    expect(bread).toMatchObject({ verdict: 'grounded', withheld: false });
    expect(bread.context.split('\n')[0]).toBe('bread (noun)');
    expect(bread.source.entries[0].word).toBe('bread');
  });

  it("the memorising dictionary model: PyTorch's greedy answer to its reference question, token for token", async () => {
    const ref = JSON.parse(readFileSync(join(MODELS_DIR, 'chat', 'wordnet-dssn', 'reference.json'), 'utf8'));
    const out = JSON.parse(await run(ref.messages.at(-1).content, '--model', 'wordnet-dssn', '--max-tokens', String(ref.maxNewTokens), '--json'));
    expect(out.tokenIds).toEqual(ref.greedyTokens);
    expect(out.answer).toBe('Car (noun): a motor vehicle with four wheels; usually propelled by an internal combustion engine.');
    expect(out.stopReason).toBe('eos');
    expect(out.verdict).toBe('grounded');
    expect(out.source.entries[0].word).toBe('car');
  });

  it('--json carries the WordNet verdict and source: an answer about another word is withheld', async () => {
    const out = JSON.parse(await run('What does bread mean?', '--model', 'wordnet-dssn', '--json'));
    expect(out.context).toBeNull(); // it answers without the entry
    expect(out).toMatchObject({ verdict: 'wrong-word', withheld: true, answeredAbout: 'contact' });
    expect(out.notice).toBe('The model answered about \u201ccontact\u201d, not \u201cbread\u201d, so its answer is hidden.');
    expect(out.source.entries[0].parts[0].senses[0].definition).toContain('food made from dough');
    const tiny = JSON.parse(await run(user, '--model', 'tiny-random', '--max-tokens', '3', '--json'));
    expect(tiny.verdict).toBeUndefined(); // no retrieval in its manifest: as before
  });

  it('streams the answer as text; sampling flags are reproducible with a seed', async () => {
    const text = await run(user, '--max-tokens', '5');
    expect(text.endsWith('\n')).toBe(true);
    const a = JSON.parse(await run(user, '--max-tokens', '6', '--temperature', '0.7', '--top-k', '20', '--top-p', '0.9', '--seed', '5', '--json'));
    const b = JSON.parse(await run(user, '--max-tokens', '6', '--temperature', '0.7', '--top-k', '20', '--top-p', '0.9', '--seed', '5', '--json'));
    expect(a.tokenIds).toEqual(b.tokenIds);
    expect(a.decoding).toEqual({ sampling: true, temperature: 0.7, topK: 20, topP: 0.9, seed: 5, repetitionPenalty: 1 });
  });

  it('rejects bad arguments with usage errors', async () => {
    await expect(chatMain([])).rejects.toBeInstanceOf(UsageError);
    await expect(chatMain(['hi', '--top-p', '1.5'])).rejects.toThrow(/top-p 1.5: expected a number in \(0, 1\]/);
    await expect(chatMain(['hi', '--max-tokens', '0'])).rejects.toThrow(UsageError);
    expect(() => chatModelDir('no-such-model')).toThrow(/not a shipped model \(wordnet-grounded, wordnet-dssn, wordnet-dssn-int8, tiny-random\)/);
  });
});
