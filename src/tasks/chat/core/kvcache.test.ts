import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDecoderShape, readGenerationDefaults } from './config';
import { externalDataFiles, missingExternalData, planModelFolder, whyTooLarge, WASM_MODEL_LIMIT_BYTES } from './folder';
import { pastDims, pastNames, planDecoder, presentFor, reusablePrefix, stepInputs } from './kvcache';

const TINY = join(import.meta.dirname, '../../../../public/models/chat/tiny-random');
const json = (f: string) => JSON.parse(readFileSync(join(TINY, f), 'utf8'));
const tiny = { layers: 2, heads: 4, kvHeads: 2, headDim: 16 };

describe('config', () => {
  it('reads the shipped config.json', () => {
    expect(readDecoderShape(json('config.json'))).toEqual({
      modelType: 'llama',
      layers: 2,
      heads: 4,
      kvHeads: 2,
      headDim: 16,
      hidden: 64,
      vocabSize: 561,
      maxPositions: 256,
      bosTokenId: 0,
      eosTokenIds: [4, 0],
    });
    expect(readGenerationDefaults(json('generation_config.json'))).toMatchObject({ doSample: false, eosTokenIds: [4, 0], maxNewTokens: 128 });
  });

  it('reads GPT-2 names, defaults KV heads to heads, and names missing keys', () => {
    expect(readDecoderShape({ n_embd: 768, n_head: 12, n_layer: 12, vocab_size: 50257, n_positions: 1024, eos_token_id: 50256 })).toMatchObject({
      layers: 12,
      heads: 12,
      kvHeads: 12,
      headDim: 64,
      maxPositions: 1024,
      eosTokenIds: [50256],
    });
    expect(() => readDecoderShape({ hidden_size: 64, vocab_size: 10 })).toThrow(/missing num_attention_heads, num_hidden_layers/);
    expect(() => readDecoderShape({ hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 3, num_hidden_layers: 1, vocab_size: 9 })).toThrow(/inconsistent/);
  });
});

describe('KV-cache bookkeeping', () => {
  it('names and shapes the cache from the config; the first step has an empty past', () => {
    expect(pastNames(tiny)).toEqual(['past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    expect(presentFor('past_key_values.1.value')).toBe('present.1.value');
    expect(pastDims(tiny)).toEqual([1, 2, 0, 16]);
    expect(pastDims(tiny, 7, 3)).toEqual([3, 2, 7, 16]);
  });

  it('grows the attention mask and positions step by step', () => {
    const prefill = stepInputs(0, [5, 6, 7]);
    expect(Array.from(prefill.inputIds)).toEqual([5n, 6n, 7n]);
    expect(Array.from(prefill.attentionMask)).toEqual([1n, 1n, 1n]);
    expect(Array.from(prefill.positionIds)).toEqual([0n, 1n, 2n]);
    const step = stepInputs(3, [8]);
    expect(Array.from(step.attentionMask)).toEqual([1n, 1n, 1n, 1n]);
    expect(Array.from(step.positionIds)).toEqual([3n]);
    expect([step.sequenceLength, step.totalLength]).toEqual([1, 4]);
    expect(() => stepInputs(3, [])).toThrow();
  });

  it('checks a session signature, naming what does not fit', () => {
    const inputs = ['input_ids', 'attention_mask', 'position_ids', ...pastNames(tiny)];
    const outputs = ['logits', ...pastNames(tiny).map(presentFor)];
    expect(planDecoder(inputs, outputs, tiny)).toEqual({ pastNames: pastNames(tiny), usesAttentionMask: true, usesPositionIds: true });
    expect(planDecoder(inputs.filter((n) => n !== 'position_ids'), outputs, tiny).usesPositionIds).toBe(false);
    expect(() => planDecoder([...inputs, 'token_type_ids', 'use_cache_branch'], outputs, tiny)).toThrow(/cannot supply: token_type_ids, use_cache_branch/);
    expect(() => planDecoder(['input_ids', 'attention_mask'], ['logits'], tiny)).toThrow(/exported without a KV cache/);
    expect(() => planDecoder(inputs, outputs, { layers: 3 })).toThrow(/missing: past_key_values.2.key, past_key_values.2.value/);
    expect(() => planDecoder(inputs, ['logits'], tiny)).toThrow(/missing output\(s\) present.0.key/);
  });

  it('reuses the cache only when it is a strict prefix of the new prompt', () => {
    expect(reusablePrefix([1, 2, 3], [1, 2, 3, 4, 5])).toBe(3);
    expect(reusablePrefix([1, 2, 3], [1, 2, 9, 4])).toBe(0);
    expect(reusablePrefix([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(reusablePrefix([], [1])).toBe(0);
  });
});

describe('model folder checks', () => {
  it('finds the files, preferring model.onnx, and names the missing ones', () => {
    const plan = planModelFolder(['m/config.json', 'm/tokenizer.json', 'm/tokenizer_config.json', 'm/onnx/model_q4.onnx', 'm/onnx/model.onnx', 'm/generation_config.json']);
    expect(plan).toEqual({
      config: 'm/config.json',
      tokenizer: 'm/tokenizer.json',
      tokenizerConfig: 'm/tokenizer_config.json',
      generationConfig: 'm/generation_config.json',
      onnx: 'm/onnx/model.onnx',
      otherOnnx: ['m/onnx/model_q4.onnx'],
    });
    expect(() => planModelFolder(['config.json', 'model.onnx'])).toThrow(/no tokenizer.json, tokenizer_config.json/);
  });

  it('reads external data locations from ONNX protobuf bytes', () => {
    const name = new TextEncoder().encode('model.onnx_data');
    const entry = [0x0a, 0x08, ...new TextEncoder().encode('location'), 0x12, name.length, ...name];
    const bytes = Uint8Array.from([0x08, 0x01, ...entry, 0x22, 0x00, ...entry, 0x0a, 0x08]);
    expect(externalDataFiles(bytes)).toEqual(['model.onnx_data']);
    expect(externalDataFiles(readFileSync(join(TINY, 'model.onnx')))).toEqual([]);
    expect(missingExternalData(['model.onnx_data'], ['x/model.onnx'])).toEqual(['model.onnx_data']);
    expect(missingExternalData(['model.onnx_data'], ['x/model.onnx', 'x/model.onnx_data'])).toEqual([]);
  });

  it('refuses models too large for WASM, the JS heap or the device', () => {
    expect(whyTooLarge(WASM_MODEL_LIMIT_BYTES + 1, { ep: 'wasm' })).toMatch(/WASM backend/);
    expect(whyTooLarge(WASM_MODEL_LIMIT_BYTES + 1, { ep: 'webgpu' })).toBeUndefined();
    expect(whyTooLarge(3e9, { ep: 'webgpu', jsHeapLimitBytes: 2 ** 31 })).toMatch(/JavaScript memory limit is 2.00 GB/);
    expect(whyTooLarge(3e9, { ep: 'webgpu', deviceMemoryGiB: 4 })).toMatch(/half of this device's memory/);
    expect(whyTooLarge(1e6, { ep: 'wasm', jsHeapLimitBytes: 2 ** 31, deviceMemoryGiB: 4 })).toBeUndefined();
  });
});
