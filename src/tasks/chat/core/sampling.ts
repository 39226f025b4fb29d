// Choosing the next token (pure): greedy argmax, or a draw from the processed distribution with a seeded PRNG.
import { softmax } from '../../../core/math';

/** Mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence in every JS engine. Values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the largest logit (the first one on ties, like torch.argmax); NaN never wins. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > bestValue) {
      bestValue = logits[i];
      best = i;
    }
  }
  return best;
}

/** One draw from softmax(logits) by inverse CDF with `random()` ∈ [0, 1). */
export function sample(logits: ArrayLike<number>, random: () => number): number {
  const probs = softmax(logits);
  const u = random();
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cumulative += probs[i];
    last = i;
    if (u < cumulative) return i;
  }
  return last; // rounding left the sum a hair below 1
}
