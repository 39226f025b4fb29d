// Task-neutral numeric helpers that more than one task core needs. Pure, like a task's core: no DOM, no React,
// no ONNX Runtime, no fetch, and it imports no task.

/** Numerically stable softmax in float64; -Infinity logits get probability 0 (all -Infinity: all 0). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  if (max === -Infinity) return out;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
