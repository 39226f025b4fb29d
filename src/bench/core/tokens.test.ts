import { describe, expect, it } from 'vitest';
import { compareTokens, describeAgreement, describeAgreements, tokenTiming, workerBytes } from './tokens';

describe('tokenTiming', () => {
  it('takes TTFT from the first token and decode speed after it', () => {
    const t = tokenTiming(100, [
      { count: 1, t: 150 },
      { count: 2, t: 160 },
      { count: 3, t: 170 },
      { count: 5, t: 190 },
    ]);
    expect(t.tokens).toBe(5);
    expect(t.ttftMs).toBe(50);
    expect(t.decodeTokensPerSecond).toBeCloseTo(100, 10); // 4 tokens in 40 ms
    expect(t.totalMs).toBe(90);
  });

  it('does not credit held-back tokens of the first mark to the decode phase', () => {
    const t = tokenTiming(0, [
      { count: 3, t: 30 },
      { count: 4, t: 40 },
    ]);
    expect(t.ttftMs).toBe(30);
    expect(t.decodeTokensPerSecond).toBeCloseTo(100, 10);
  });

  it('ignores zero-count marks and gives NaN decode speed for one token', () => {
    const t = tokenTiming(0, [
      { count: 0, t: 5 },
      { count: 1, t: 20 },
      { count: 1, t: 25 },
    ]);
    expect(t.ttftMs).toBe(20);
    expect(t.tokens).toBe(1);
    expect(Number.isNaN(t.decodeTokensPerSecond)).toBe(true);
  });

  it('rejects no tokens, decreasing counts and times', () => {
    expect(() => tokenTiming(0, [])).toThrow(RangeError);
    expect(() => tokenTiming(0, [{ count: 0, t: 1 }])).toThrow(/no token/);
    expect(() => tokenTiming(0, [{ count: 2, t: 1 }, { count: 1, t: 2 }])).toThrow(/went back/);
    expect(() => tokenTiming(0, [{ count: 1, t: 2 }, { count: 2, t: 1 }])).toThrow(/time order/);
  });
});

describe('compareTokens', () => {
  it('finds identical sequences, numbers against bigints', () => {
    const g = compareTokens([5, 6, 7], [5n, 6n, 7n]);
    expect(g).toEqual({ identical: true, common: 3, lengthA: 3, lengthB: 3, firstDifference: undefined });
    expect(describeAgreement(g)).toBe('identical (3 tokens)');
  });

  it('locates the first difference', () => {
    const g = compareTokens([1, 2, 3, 4], [1, 2, 9, 4]);
    expect(g.identical).toBe(false);
    expect(g.firstDifference).toBe(2);
    expect(g.common).toBe(2);
    expect(describeAgreement(g, 'ours', 'peer')).toBe('differ from token 3 on (ours: 4 tokens, peer: 4)');
  });

  it('tells a prefix apart from a difference', () => {
    const g = compareTokens([1, 2], [1, 2, 3]);
    expect(g.identical).toBe(false);
    expect(g.firstDifference).toBeUndefined();
    expect(describeAgreement(g, 'ours', 'peer')).toBe("ours stops after 2 of peer's 3 tokens (same up to there)");
    expect(describeAgreement(compareTokens([1, 2, 3], [1]), 'ours', 'peer')).toBe("peer stops after 1 of ours's 3 tokens (same up to there)");
    expect(compareTokens([], []).identical).toBe(true);
  });
});

describe('workerBytes', () => {
  it('sums the entries attributed to a worker URL', () => {
    const breakdown = [
      { bytes: 10, attribution: [{ url: 'http://x/assets/chat.worker-abc.js', scope: 'DedicatedWorkerGlobalScope' }] },
      { bytes: 5, attribution: [{ url: 'http://x/assets/chat.worker-abc.js', scope: 'DedicatedWorkerGlobalScope' }], types: ['JavaScript'] },
      { bytes: 7, attribution: [{ url: 'http://x/', scope: 'Window' }] },
      { bytes: 3, attribution: [] },
    ];
    expect(workerBytes(breakdown, 'chat.worker')).toBe(15);
    expect(workerBytes(breakdown, 'other.worker')).toBe(0);
  });
});

describe('describeAgreements', () => {
  it('summarises repetitions and shows the first that differs', () => {
    const same = compareTokens([1, 2, 3], [1, 2, 3]);
    const differ = compareTokens([1, 2, 3], [1, 9, 3]);
    expect(describeAgreements([same, same], 'WebGPU', 'WASM')).toBe('identical in 2 of 2 repetitions; first: identical (3 tokens)');
    expect(describeAgreements([same])).toBe('identical in 1 of 1 repetition; first: identical (3 tokens)');
    expect(describeAgreements([same, differ], '1 thread', '2 threads')).toBe('NOT identical in 1 of 2 repetitions; first difference: differ from token 2 on (1 thread: 3 tokens, 2 threads: 3)');
    expect(() => describeAgreements([])).toThrow(RangeError);
  });
});
