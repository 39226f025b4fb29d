// PyTorch vs ONNX Runtime (onnxruntime-web, WASM, 1 thread) parity for an exported chat model folder.
// Usage: node training/chat/parity.mjs <folder> [tolerance]
// <folder> holds model.onnx, config.json and reference.json (written by training/chat/make_tiny.py or train.py).
// Checks, printing the max abs diff of each:
//   1. prefill with an EMPTY past (length 0): last-position logits vs PyTorch's first-step logits;
//   2. greedy decode with the KV cache (prefill, then one token a step): the tokens equal PyTorch's;
//   3. KV-cache equivalence: the logits of every decode step vs one full forward over prompt + generated tokens;
//   4. dynamic batch: the prompt twice in a batch of 2 gives the batch-1 logits.
// Exits 1 when any check fails or any logit is NaN (logit tolerance default 1e-4).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { formatDiff, maxAbsDiff, parityArgs } from '../common/parity_lib.mjs';

const { dir, tolerance } = parityArgs('training/chat/parity.mjs', 1e-4);
ort.env.logLevel = 'error';

const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8'));
const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')), { executionProviders: ['wasm'] });
const layers = config.num_hidden_layers;
const kvHeads = config.num_key_value_heads ?? config.num_attention_heads;
const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
const vocab = config.vocab_size;
const i64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);

/** One run: `tokens` (batch rows) after `past` (null = empty); returns logits [b, s, V] and the presents. */
async function forward(rows, past, pastLength) {
  const b = rows.length;
  const s = rows[0].length;
  const feeds = {
    input_ids: i64(rows.flat(), [b, s]),
    attention_mask: i64(new Array(b * (pastLength + s)).fill(1), [b, pastLength + s]),
    position_ids: i64(rows.flatMap(() => Array.from({ length: s }, (_, i) => pastLength + i)), [b, s]),
  };
  for (let i = 0; i < layers; i++) {
    for (const kv of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kv}`] = past?.[`present.${i}.${kv}`] ?? new ort.Tensor('float32', new Float32Array(0), [b, kvHeads, 0, headDim]);
    }
  }
  return session.run(feeds);
}

const argmax = (a) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);
const lastRow = (logits, row = 0) => {
  const [, s, v] = logits.dims;
  return logits.data.subarray((row * s + s - 1) * v, (row * s + s) * v);
};
let failed = false;
const report = (what, diff, ok = diff <= tolerance) => {
  console.log(`${what.padEnd(44)} max abs diff ${formatDiff(diff)} ${ok ? 'OK' : 'FAIL'}`);
  if (!ok) failed = true;
};

// 1 + 2: prefill on an empty past, then greedy decode one token a step.
let out = await forward([ref.promptIds], null, 0);
report('prefill (empty past) vs PyTorch first step', maxAbsDiff(lastRow(out.logits), ref.firstStepLogits));
const stepLogits = [];
const tokens = [];
let length = ref.promptIds.length;
for (let step = 0; step < ref.maxNewTokens; step++) {
  const logits = lastRow(out.logits).slice();
  stepLogits.push(logits);
  const next = argmax(logits);
  tokens.push(next);
  if (ref.eosTokenIds.includes(next)) break;
  const previous = out;
  out = await forward([[next]], previous, length);
  length += 1;
}
const same = tokens.length === ref.greedyTokens.length && tokens.every((t, i) => t === ref.greedyTokens[i]);
console.log(`greedy tokens ${same ? 'equal' : 'DIFFER from'} PyTorch's (${tokens.length}): ${tokens.join(' ')}`);
if (!same) failed = true;

// 3: one full forward over prompt + generated (all but the last) vs the logits of each decode step.
const full = await forward([[...ref.promptIds, ...tokens.slice(0, -1)]], null, 0);
let worst = 0;
for (let k = 0; k < stepLogits.length; k++) {
  const pos = ref.promptIds.length - 1 + k;
  worst = Math.max(worst, maxAbsDiff(stepLogits[k], full.logits.data.subarray(pos * vocab, (pos + 1) * vocab)));
}
report('KV-cache decode vs full forward', worst);

// 4: dynamic batch.
const batch = await forward([ref.promptIds, ref.promptIds], null, 0);
report('batch of 2 vs batch of 1', Math.max(maxAbsDiff(lastRow(batch.logits, 0), stepLogits[0]), maxAbsDiff(lastRow(batch.logits, 1), stepLogits[0])));

console.log(`parity: ${failed ? 'FAIL' : 'OK'} (tolerance ${tolerance})`);
process.exit(failed ? 1 : 0);
