// Logits processors (pure, in place), with Hugging Face transformers' semantics: repetition penalty, then the
// sampling warpers temperature → top-k → top-p. Removed tokens get -Infinity.
import { softmax } from '../../../core/math';

/** Changes next-token logits in place; `context` is every token so far (prompt + generated). */
export type LogitsProcessor = (logits: Float32Array, context: readonly number[]) => void;

/** CTRL's penalty: a token already in the context has a positive logit divided by `penalty`, a negative one multiplied. */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  if (!(penalty > 0)) throw new RangeError(`repetition penalty must be > 0, got ${penalty}`);
  return (logits, context) => {
    if (penalty === 1) return;
    for (const t of new Set(context)) {
      if (t < 0 || t >= logits.length) continue;
      logits[t] = logits[t] < 0 ? logits[t] * penalty : logits[t] / penalty;
    }
  };
}

export function temperature(t: number): LogitsProcessor {
  if (!(t > 0)) throw new RangeError(`temperature must be > 0 (use greedy decoding for 0), got ${t}`);
  return (logits) => {
    if (t === 1) return;
    for (let i = 0; i < logits.length; i++) logits[i] /= t;
  };
}

/** Keeps the `k` largest logits (and any tied with the k-th); 0 disables it. */
export function topK(k: number): LogitsProcessor {
  if (!(k >= 0) || !Number.isInteger(k)) throw new RangeError(`top-k must be a whole number ≥ 0, got ${k}`);
  return (logits) => {
    if (k === 0 || k >= logits.length) return;
    const threshold = Float32Array.from(logits).sort((a, b) => b - a)[k - 1];
    for (let i = 0; i < logits.length; i++) if (logits[i] < threshold) logits[i] = -Infinity;
  };
}

/**
 * Nucleus sampling: keeps the most probable tokens whose probabilities add up to at least `p`. As in transformers:
 * sorted ascending, a token is removed when the cumulative probability up to and including it is ≤ 1 − p; at
 * least `minKeep` tokens stay. p ≥ 1 disables it.
 */
export function topP(p: number, minKeep = 1): LogitsProcessor {
  if (!(p > 0 && p <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${p}`);
  return (logits) => {
    if (p >= 1) return;
    const order = Array.from(logits.keys()).sort((a, b) => logits[a] - logits[b]);
    const probs = softmax(logits);
    let cumulative = 0;
    for (let r = 0; r < order.length - minKeep; r++) {
      cumulative += probs[order[r]];
      if (cumulative <= 1 - p) logits[order[r]] = -Infinity;
      else break;
    }
  };
}

export interface SamplingOptions {
  temperature: number;
  /** 0 = off */
  topK: number;
  /** 1 = off */
  topP: number;
  seed: number;
}

export interface DecodingOptions {
  /** Absent = greedy. */
  sampling?: SamplingOptions;
  /** 1 = off */
  repetitionPenalty?: number;
}

/** The processor chain for these options, in transformers' order (the warpers only when sampling). */
export function logitsProcessors({ sampling, repetitionPenalty: penalty = 1 }: DecodingOptions): LogitsProcessor[] {
  const chain: LogitsProcessor[] = [];
  if (penalty !== 1) chain.push(repetitionPenalty(penalty));
  if (sampling) chain.push(temperature(sampling.temperature), topK(sampling.topK), topP(sampling.topP));
  return chain;
}
