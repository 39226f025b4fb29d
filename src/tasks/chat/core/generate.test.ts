import { describe, expect, it } from 'vitest';
import { chatTurn } from './chat';
import { generate, type CausalLM, type GenerateOptions, type StreamEvent } from './generate';
import type { ChatTokenizer } from './tokenizer';

/**
 * A fake causal LM over a vocabulary of 6 letters: after token t it prefers t + 1 (mod 6) with logit 2, the token
 * after that with 1, the rest 0. It records every forward call like a KV-cache session.
 */
class CountingLM implements CausalLM {
  cached: number[] = [];
  calls: number[][] = [];
  resets = 0;
  forward(tokens: readonly number[]): Promise<Float32Array> {
    this.calls.push([...tokens]);
    this.cached.push(...tokens);
    const last = tokens[tokens.length - 1];
    const logits = new Float32Array(6);
    logits[(last + 1) % 6] = 2;
    logits[(last + 2) % 6] = 1;
    return Promise.resolve(logits);
  }
  reset(): void {
    this.cached = [];
    this.resets++;
  }
}

const LETTERS = 'abcdef';
const decode = (ids: readonly number[]) => ids.map((i) => LETTERS[i]).join('');
const base: GenerateOptions = { maxNewTokens: 5, eosTokenIds: [], decode };

/** A clock that advances 10 ms per reading. */
function ticking() {
  let t = 0;
  return () => (t += 10);
}

describe('generate', () => {
  it('greedy: prefill once, then one token per step; the last token is never fed', async () => {
    const lm = new CountingLM();
    const events: StreamEvent[] = [];
    const r = await generate(lm, [0, 1], base, (e) => events.push(e));
    expect(r.tokens).toEqual([2, 3, 4, 5, 0]);
    expect(r.text).toBe('cdefa');
    expect(r.stopReason).toBe('max-tokens');
    expect(lm.calls).toEqual([[0, 1], [2], [3], [4], [5]]);
    expect(lm.cached).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.map((e) => e.delta).join('')).toBe('cdefa');
    expect(events.map((e) => e.count)).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops at an EOS token (kept in tokens, not in text)', async () => {
    const r = await generate(new CountingLM(), [0], { ...base, eosTokenIds: [3], decode: (ids) => decode(ids.filter((i) => i !== 3)) });
    expect(r.tokens).toEqual([1, 2, 3]);
    expect(r.text).toBe('bc');
    expect(r.stopReason).toBe('eos');
  });

  it('stops at a stop sequence spread over tokens, without showing it', async () => {
    const events: string[] = [];
    const r = await generate(new CountingLM(), [0], { ...base, maxNewTokens: 10, stopSequences: ['de'] }, (e) => events.push(e.delta));
    expect(r.tokens).toEqual([1, 2, 3, 4]);
    expect(r.text).toBe('bc');
    expect(r.stopReason).toBe('stop-sequence');
    expect(events.join('')).toBe('bc');
  });

  it('stops when the context is full', async () => {
    const r = await generate(new CountingLM(), [0, 1, 2], { ...base, maxPositions: 5 });
    expect(r.tokens).toHaveLength(2);
    expect(r.stopReason).toBe('context-full');
    await expect(generate(new CountingLM(), [0, 1, 2], { ...base, maxPositions: 3 })).rejects.toThrow(/context is 3/);
  });

  it('Stop ends generation within one token', async () => {
    const lm = new CountingLM();
    const controller = new AbortController();
    const r = await generate(lm, [0], { ...base, maxNewTokens: 50 }, (e) => e.count === 3 && controller.abort(), controller.signal);
    expect(r.tokens).toHaveLength(3);
    expect(r.stopReason).toBe('aborted');
    expect(lm.calls).toHaveLength(3); // prefill + 2 steps; nothing run after the abort
    const pre = new AbortController();
    pre.abort();
    const none = await generate(new CountingLM(), [0], base, undefined, pre.signal);
    expect([none.tokens.length, none.stopReason]).toEqual([0, 'aborted']);
  });

  it('reuses the cache for the next turn and resets it when the history changed', async () => {
    const lm = new CountingLM();
    await generate(lm, [0, 1], { ...base, maxNewTokens: 2 }); // cache [0, 1, 2]; token 3 generated, not fed
    const next = await generate(lm, [0, 1, 2, 3, 5], { ...base, maxNewTokens: 1 });
    expect(next.reusedTokens).toBe(3);
    expect(lm.calls.at(-1)).toEqual([3, 5]);
    const edited = await generate(lm, [4, 4], { ...base, maxNewTokens: 1 });
    expect(edited.reusedTokens).toBe(0);
    expect(lm.resets).toBe(1);
    expect(lm.calls.at(-1)).toEqual([4, 4]);
  });

  it('reports time to first token and decode tokens/s', async () => {
    const r = await generate(new CountingLM(), [0], { ...base, now: ticking() });
    // clock reads: start 10; token i at 20 + 10 i; end 70
    expect(r.ttftMs).toBe(10);
    expect(r.tokensPerSecond).toBeCloseTo(4 / 0.04, 9);
    expect(r.totalMs).toBe(60);
  });

  it('sampling is reproducible per seed and follows the processed distribution', async () => {
    const sampling = { temperature: 1, topK: 0, topP: 1, seed: 11 };
    const a = await generate(new CountingLM(), [0], { ...base, maxNewTokens: 30, sampling });
    const b = await generate(new CountingLM(), [0], { ...base, maxNewTokens: 30, sampling });
    expect(a.tokens).toEqual(b.tokens);
    const c = await generate(new CountingLM(), [0], { ...base, maxNewTokens: 30, sampling: { ...sampling, seed: 12 } });
    expect(c.tokens).not.toEqual(a.tokens);
    // top-k 1 makes sampling greedy
    const k1 = await generate(new CountingLM(), [0], { ...base, sampling: { ...sampling, topK: 1 } });
    expect(k1.tokens).toEqual([1, 2, 3, 4, 5]);
  });

  it('the repetition penalty steers greedy decoding away from seen tokens', async () => {
    // context [1]: next would be 2 (logit 2) then 3 (1); a penalty of 4 on token 2 (seen) makes 2 → 0.5 < 1
    const r = await generate(new CountingLM(), [1, 2, 1], { ...base, maxNewTokens: 1, repetitionPenalty: 4 });
    expect(r.tokens).toEqual([3]);
  });
});

describe('chat turn', () => {
  // characters as tokens; the "template" joins role-tagged turns
  const tokenizer: ChatTokenizer = {
    encode: (t) => Array.from(t, (c) => c.charCodeAt(0) % 6),
    decode,
    tokenId: () => undefined,
    encodeChat: (m) => Array.from(m.map((x) => `${x.role[0]}${x.content}`).join(''), (c) => c.charCodeAt(0) % 6),
    template: '',
    hasChatTemplate: true,
    eosTokenIds: [],
  };

  it('drops the oldest turns to leave room for the answer', async () => {
    const messages = [
      { role: 'user' as const, content: 'aaaaaaaaaa' },
      { role: 'assistant' as const, content: 'bbbbbbbbbb' },
      { role: 'user' as const, content: 'cc' },
    ];
    const r = await chatTurn(new CountingLM(), tokenizer, messages, { maxNewTokens: 4, repetitionPenalty: 1, stopSequences: [] }, { eosTokenIds: [], maxPositions: 16 });
    expect(r.droppedMessages).toBe(2);
    expect(r.promptTokens).toBe(3);
    expect(r.tokens).toHaveLength(4);
  });
});
