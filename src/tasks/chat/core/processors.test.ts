import { describe, expect, it } from 'vitest';
import { logitsProcessors, repetitionPenalty, temperature, topK, topP } from './processors';
import { argmax, mulberry32, sample } from './sampling';

const f32 = (a: number[]) => Float32Array.from(a);
const NEG = -Infinity;

describe('logits processors', () => {
  it('repetition penalty divides positive and multiplies negative logits of seen tokens, once each', () => {
    const logits = f32([2, -1, 0.5, 3]);
    repetitionPenalty(2)(logits, [0, 1, 1, 9]);
    expect(Array.from(logits)).toEqual([1, -2, 0.5, 3]);
    const same = f32([2, -1]);
    repetitionPenalty(1)(same, [0, 1]);
    expect(Array.from(same)).toEqual([2, -1]);
    expect(() => repetitionPenalty(0)).toThrow(RangeError);
  });

  it('temperature divides every logit', () => {
    const logits = f32([1, -2, 0]);
    temperature(0.5)(logits, []);
    expect(Array.from(logits)).toEqual([2, -4, 0]);
    expect(() => temperature(0)).toThrow(/greedy/);
  });

  it('top-k keeps the k largest (ties with the k-th too)', () => {
    const a = f32([1, 3, 2, 3]);
    topK(2)(a, []);
    expect(Array.from(a)).toEqual([NEG, 3, NEG, 3]);
    const b = f32([1, 3, 2, 3]);
    topK(3)(b, []);
    expect(Array.from(b)).toEqual([NEG, 3, 2, 3]);
    const c = f32([1, 3, 2]);
    topK(0)(c, []);
    expect(Array.from(c)).toEqual([1, 3, 2]);
  });

  it('top-p keeps the smallest set of most probable tokens reaching p', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const run = (p: number, minKeep = 1) => {
      const logits = f32(probs.map(Math.log));
      topP(p, minKeep)(logits, []);
      return Array.from(logits, (v) => (v === NEG ? 0 : 1));
    };
    expect(run(0.75)).toEqual([1, 1, 0, 0]); // 0.5 + 0.3 ≥ 0.75
    expect(run(0.9)).toEqual([1, 1, 1, 0]); // 0.95 ≥ 0.9
    expect(run(0.4)).toEqual([1, 0, 0, 0]);
    expect(run(0.4, 2)).toEqual([1, 1, 0, 0]);
    expect(run(1)).toEqual([1, 1, 1, 1]);
  });

  it('greedy gets only the repetition penalty; sampling adds temperature, top-k, top-p', () => {
    expect(logitsProcessors({})).toHaveLength(0);
    expect(logitsProcessors({ repetitionPenalty: 1.3 })).toHaveLength(1);
    const chain = logitsProcessors({ repetitionPenalty: 2, sampling: { temperature: 0.5, topK: 2, topP: 1, seed: 0 } });
    const logits = f32([4, 1, -1, 3]);
    for (const p of chain) p(logits, [0]);
    // penalty: 4 → 2; temperature ×2: [4, 2, -2, 6]; top-2: [4, -, -, 6]
    expect(Array.from(logits)).toEqual([4, NEG, NEG, 6]);
  });
});

describe('token choice', () => {
  it('argmax takes the first maximum and ignores NaN', () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
    expect(argmax([NaN, 0.5, NaN])).toBe(1);
    expect(argmax([NEG, NEG, -3])).toBe(2);
  });

  it('sample inverts the CDF of softmax(logits)', () => {
    const logits = [0.5, 0.3, 0.2].map(Math.log);
    expect(sample(logits, () => 0)).toBe(0);
    expect(sample(logits, () => 0.49)).toBe(0);
    expect(sample(logits, () => 0.6)).toBe(1);
    expect(sample(logits, () => 0.85)).toBe(2);
    expect(sample(logits, () => 0.999999)).toBe(2);
    expect(sample([NEG, 0, NEG], () => 0.99)).toBe(1);
  });

  it('mulberry32 is deterministic per seed, uniform on [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(first[0]).toBeCloseTo(0.6011037519201636, 15);
    expect(Array.from({ length: 5 }, mulberry32(43))).not.toEqual(first);
    const r = mulberry32(7);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(sum / 10000).toBeCloseTo(0.5, 1);
  });

  it('seeded sampling follows the distribution', () => {
    const logits = [0.5, 0.3, 0.2].map(Math.log);
    const random = mulberry32(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sample(logits, random)]++;
    expect(counts.map((c) => c / 20000).map((f) => Math.round(f * 100) / 100)).toEqual([0.5, 0.3, 0.2]);
  });
});
