// The tiny random model through OUR runtime (onnxruntime-web WASM in Node, KvCacheLM, core generate): PyTorch's
// greedy tokens exactly, PyTorch's first-step logits, and KV-cache decoding equal to full forwards.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../runtime/manifest';
import { configureNodeRuntime, diskSource, MODELS_DIR } from '../../runtime/node';
import { chatTurn } from './core/chat';
import { generate } from './core/generate';
import { argmax } from './core/sampling';
import type { ModelSource } from '../../runtime/source';
import { openChatModel, type ChatBundle } from './runner';

const DIR = join(MODELS_DIR, 'chat', 'tiny-random');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8'));
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

let bundle: ChatBundle;

beforeAll(async () => {
  await configureNodeRuntime();
  bundle = await openChatModel(await diskSource(DIR), { ep: 'wasm', id: 'tiny-random', name: 'tiny-random', source: 'shipped' });
});

afterAll(() => bundle?.lm.release());

describe('tiny random chat model through the Loupe runtime', () => {
  it('ships a valid manifest listing every file with its size and SHA-256, under 2 MB in all', () => {
    const manifest = parseManifest(JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')), 'manifest.json');
    expect(manifest).toMatchObject({ id: 'tiny-random', task: 'chat', licence: { spdx: 'Apache-2.0' }, intendedUse: 'test fixture: random weights' });
    expect(manifest.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    expect(manifest.outputs.map((o) => o.name)).toEqual(['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
    for (const f of manifest.files) {
      const bytes = readFileSync(join(DIR, f.path));
      expect([f.path, bytes.byteLength, createHash('sha256').update(bytes).digest('hex')]).toEqual([f.path, f.bytes, f.sha256]);
    }
    const onDisk = readdirSync(DIR).filter((f) => f !== 'manifest.json');
    expect(onDisk.sort()).toEqual(manifest.files.map((f) => f.path).sort());
    expect(onDisk.reduce((sum, f) => sum + statSync(join(DIR, f)).size, 0)).toBeLessThan(2 * 1024 ** 2);
  });

  it('reads the folder: shapes from config.json, EOS ids, chat template', () => {
    expect(bundle.info).toMatchObject({ layers: 2, heads: 4, kvHeads: 2, headDim: 16, vocabSize: 561, contextLength: 256, cacheType: 'float32', hasChatTemplate: true, onnxFile: 'model.onnx' });
    expect(bundle.info.eosTokenIds.sort()).toEqual([...reference.eosTokenIds].sort());
    expect(bundle.info.notes).toEqual([]);
  });

  it("prefill on an empty past gives PyTorch's first-step logits", async () => {
    bundle.lm.reset();
    const logits = await bundle.lm.forward(reference.promptIds);
    expect(bundle.lm.cacheDims).toEqual([1, 2, reference.promptIds.length, 16]);
    expect(maxAbsDiff(logits, reference.firstStepLogits)).toBeLessThan(1e-4);
  });

  it("greedy chat turn = PyTorch's greedy tokens, exactly", async () => {
    bundle.lm.reset();
    const r = await chatTurn(bundle.lm, bundle.tokenizer, reference.messages, { maxNewTokens: reference.maxNewTokens, repetitionPenalty: 1, stopSequences: [] }, { eosTokenIds: bundle.info.eosTokenIds, maxPositions: bundle.info.contextLength });
    expect(r.promptTokens).toBe(reference.promptIds.length);
    expect(r.tokens).toEqual(reference.greedyTokens);
    expect(r.text).toBe(bundle.tokenizer.decode(reference.greedyTokens));
    expect(r.stopReason).toBe('max-tokens');
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(bundle.lm.cached).toEqual([...reference.promptIds, ...reference.greedyTokens.slice(0, -1)]);
  });

  it('KV-cache decoding equals a full forward at every step (max abs diff < 1e-4)', async () => {
    const tokens = [...reference.promptIds, ...reference.greedyTokens];
    const n = reference.promptIds.length;
    bundle.lm.reset();
    const steps = [await bundle.lm.forward(tokens.slice(0, n))];
    for (let k = n; k < tokens.length - 1; k++) steps.push(await bundle.lm.forward([tokens[k]]));
    let worst = 0;
    for (let k = 0; k < steps.length; k++) {
      bundle.lm.reset();
      const full = await bundle.lm.forward(tokens.slice(0, n + k));
      worst = Math.max(worst, maxAbsDiff(steps[k], full));
      expect(argmax(steps[k])).toBe(reference.greedyTokens[k]);
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('a prompt extending the cache reuses it and decodes exactly as from scratch', async () => {
    const longer = [...reference.promptIds, 300, 301, 302];
    const options = { maxNewTokens: 6, eosTokenIds: [], decode: bundle.tokenizer.decode };
    bundle.lm.reset();
    const fresh = await generate(bundle.lm, longer, options);
    bundle.lm.reset();
    await bundle.lm.forward(reference.promptIds);
    const reused = await generate(bundle.lm, longer, options);
    expect(reused.reusedTokens).toBe(reference.promptIds.length);
    expect(reused.tokens).toEqual(fresh.tokens);
  });

  it('the next turn reuses the cache when the answer re-tokenises the same; sampling is reproducible per seed', async () => {
    bundle.lm.reset();
    const settings = { maxNewTokens: 8, repetitionPenalty: 1.2, stopSequences: [], sampling: { temperature: 0.9, topK: 40, topP: 0.95, seed: 3 } };
    const limits = { eosTokenIds: bundle.info.eosTokenIds, maxPositions: bundle.info.contextLength };
    const first = await chatTurn(bundle.lm, bundle.tokenizer, reference.messages, settings, limits);
    const history = [...reference.messages, { role: 'assistant' as const, content: first.text }, { role: 'user' as const, content: 'And then?' }];
    const prompt = bundle.tokenizer.encodeChat(history);
    const cachedBefore = [...bundle.lm.cached];
    const second = await generate(bundle.lm, prompt, { ...settings, eosTokenIds: limits.eosTokenIds, decode: bundle.tokenizer.decode });
    // the random model's answer may not re-tokenise to the same ids; reuse happens exactly when it does
    const reusable = cachedBefore.every((t, i) => prompt[i] === t);
    expect(second.reusedTokens).toBe(reusable ? cachedBefore.length : 0);
    bundle.lm.reset();
    const again = await chatTurn(bundle.lm, bundle.tokenizer, reference.messages, settings, limits);
    expect(again.tokens).toEqual(first.tokens);
  });
});

describe('model folders Loupe cannot run', () => {
  const files: Record<string, Uint8Array> = {};
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) files[f] = new Uint8Array(readFileSync(join(DIR, f)));
  const source = (extra: Record<string, Uint8Array>, sizes: Record<string, number> = {}): ModelSource => {
    const all = { ...files, ...extra };
    return { name: 'x', names: Object.keys(all), size: (n) => sizes[n] ?? all[n]?.byteLength, read: async (n) => all[n] };
  };
  const open = (s: ModelSource) => openChatModel(s, { ep: 'wasm', id: 'x', name: 'x', source: 'folder' });

  it('names a missing external data file', async () => {
    const name = new TextEncoder().encode('model.onnx_data');
    const graph = Uint8Array.from([0x0a, 0x08, ...new TextEncoder().encode('location'), 0x12, name.length, ...name]);
    await expect(open(source({ 'model.onnx': graph }))).rejects.toMatchObject({ name: 'MODEL_FETCH_FAILED', message: expect.stringMatching(/model.onnx_data, which is not among the files/) });
  });

  it('refuses a model too large for WASM before reading it', async () => {
    await expect(open(source({ 'model.onnx': new Uint8Array(1), 'model.onnx_data': new Uint8Array(1) }, { 'model.onnx_data': 3 * 1024 ** 3 }))).rejects.toMatchObject({ name: 'OUT_OF_MEMORY' });
  });

  it('names inputs it cannot supply and a cache that does not match config.json', async () => {
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    const threeLayers = new TextEncoder().encode(JSON.stringify({ ...config, num_hidden_layers: 3 }));
    const onnx = new Uint8Array(readFileSync(join(DIR, 'model.onnx')));
    await expect(open(source({ 'model.onnx': onnx, 'config.json': threeLayers }))).rejects.toMatchObject({ name: 'INPUT_SHAPE_MISMATCH', message: expect.stringMatching(/config.json's 3 layers/) });
  });

  it('names missing files', async () => {
    await expect(open({ name: 'x', names: ['model.onnx'], size: () => 1, read: async () => new Uint8Array(1) })).rejects.toMatchObject({ name: 'MODEL_FETCH_FAILED', message: expect.stringMatching(/no config.json, tokenizer.json, tokenizer_config.json/) });
  });
});
