import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convFlops, gflopsPerSecond, parseFlopCounts } from './flops';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const counts = parseFlopCounts(readFileSync(join(ROOT, 'src', 'bench', 'flops.json'), 'utf8'));

describe('FLOP counts (src/bench/flops.json from bench/flops.py)', () => {
  const short = counts.models['face/blazeface-short'];

  it('BlazeFace-128 first layer: 5×5 stride-2 conv, 3 → 24 channels, 128² → 64², counted by hand', () => {
    const first = short.layers[0];
    expect(first).toMatchObject({ op: 'Conv', input: [1, 3, 128, 128], output: [1, 24, 64, 64], kernel: [5, 5], strides: [2, 2], group: 1 });
    // 2 FLOPs per multiply-accumulate × 24·64·64 outputs × 3 input channels × 25 taps.
    const byHand = 2 * (24 * 64 * 64) * 3 * (5 * 5);
    expect(byHand).toBe(14_745_600);
    expect(first.macFlops).toBe(byHand);
    expect(convFlops(first.input, first.output, first.kernel!, first.group)).toBe(byHand);
  });

  it('BlazeFace-128 second layer: depthwise 3×3 on 24 channels of 64² (group 24), counted by hand', () => {
    const dw = short.layers[1];
    expect(dw).toMatchObject({ op: 'Conv', input: [1, 24, 64, 64], output: [1, 24, 64, 64], kernel: [3, 3], group: 24 });
    expect(dw.macFlops).toBe(2 * (24 * 64 * 64) * 1 * 9);
  });

  it('totals are the sum of their layers; BlazeFace-128 is ~61.5 MFLOP of conv', () => {
    for (const [key, m] of Object.entries(counts.models)) {
      expect(m.layers.reduce((s, l) => s + l.macFlops, 0), key).toBe(m.macFlops);
    }
    expect(short.macFlops).toBe(61_521_920);
    expect(short.byOp.Conv.nodes).toBe(37);
  });

  it('counts the BlazeFace files Loupe ships (same SHA-256; rerun bench/flops.py when this fails)', () => {
    // Other models change while they are trained; `npm run bench` recounts them and its flops item flags a stale count.
    for (const id of ['blazeface-short', 'blazeface-full']) {
      const file = join(ROOT, 'public', 'models', 'face', id, 'model.onnx');
      expect(counts.models[`face/${id}`]?.sha256, id).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    }
  });

  it('the chat model is counted for one decode step at context 128, its projections by hand', () => {
    const chat = counts.models['chat/wordnet-dssn'];
    expect(chat.binding).toEqual({ batch_size: 1, sequence_length: 1, past_sequence_length: 127, total_sequence_length: 128 });
    expect(chat.inputs?.input_ids).toEqual({ shape: [1, 1], dtype: 'int64' });
    expect(chat.inputs?.position_ids).toEqual({ shape: [1, 1], dtype: 'int64', fill: 127 });
    expect(chat.inputs?.['past_key_values.0.key']).toEqual({ shape: [1, 2, 127, 32], dtype: 'float32' });
    // 6 layers × (q 128·128 + k, v 2·128·64 + o 128·128 + SwiGLU 3·128·352) + lm_head 128·4096, one token;
    // attention: 4 heads × (q·kᵀ + p·v) × 128 positions × 32 dims.
    const dense = 6 * (128 * 128 + 2 * 128 * 64 + 128 * 128 + 3 * 128 * 352) + 128 * 4096;
    const attention = 6 * 4 * 2 * 128 * 32;
    expect(chat.macFlops).toBe(2 * (dense + attention));
  });

  it('GFLOP/s from FLOPs and ms', () => {
    expect(gflopsPerSecond(2 * 1024 ** 3, 125)).toBeCloseTo(17.18, 2);
    expect(() => gflopsPerSecond(1, 0)).toThrow(RangeError);
  });
});
