// The chat model behind the pure core: opens a model folder (shipped, dropped, or on disk for the CLI) into an
// ONNX Runtime session plus tokenizer, and adapts the session to the core's CausalLM with a KV cache that stays
// with ONNX Runtime between steps (on the GPU under WebGPU; replaced tensors are disposed).
import type { ExecutionProvider } from '../../runtime/backend';
import { LoupeError } from '../../errors';
import type { Manifest } from '../../runtime/manifest';
import { Model, readFloat32, type HeldTensor, type TypedTensorData } from '../../runtime/session';
import { sha256Hex } from '../../runtime/fetchModel';
import type { ModelSource } from '../../runtime/source';
import { readDecoderShape, readGenerationDefaults, type DecoderShape, type GenerationDefaults } from './core/config';
import { externalDataFiles, missingExternalData, planModelFolder, whyTooLarge, type MemoryLimits } from './core/folder';
import type { CausalLM } from './core/generate';
import { pastDims, pastNames, planDecoder, presentFor, stepInputs, type DecoderPlan } from './core/kvcache';
import { loadChatTokenizer, type ChatTokenizer } from './core/tokenizer';


/** What the UI shows about the loaded model. */
export interface ChatModelInfo {
  id: string;
  name: string;
  source: 'shipped' | 'folder';
  onnxFile: string;
  /** Graph + external weights, bytes. */
  bytes: number;
  ep: ExecutionProvider;
  modelType: string;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  contextLength: number;
  cacheType: string;
  hasChatTemplate: boolean;
  eosTokenIds: number[];
  defaults: GenerationDefaults;
  intendedUse?: string;
  /** The reference the worker checks answers against (manifest `retrieval`); absent for a model without one. */
  retrieval?: Manifest['retrieval'];
  /** Things worth saying (other .onnx files ignored, no chat template…). */
  notes: string[];
}

const CACHE_TYPES = ['float32', 'float16'];

/** The core's CausalLM over a decoder-with-past session. */
export class KvCacheLM implements CausalLM {
  private tokens: number[] = [];
  private past: Record<string, HeldTensor> = {};
  private readonly pastTypes: Record<string, string>;

  constructor(
    private readonly model: Model,
    private readonly shape: DecoderShape,
    private readonly plan: DecoderPlan,
  ) {
    const types = model.inputTypes;
    this.pastTypes = Object.fromEntries(plan.pastNames.map((n) => [n, types[n] ?? 'float32']));
    const odd = plan.pastNames.filter((n) => !CACHE_TYPES.includes(this.pastTypes[n]));
    if (odd.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${model.manifest.id}: cache input ${odd[0]} is ${this.pastTypes[odd[0]]}; Loupe runs float32 or float16 caches`);
  }

  get cached(): readonly number[] {
    return this.tokens;
  }

  /** Keys/values held for the cache: [batch, kv_heads, cached, head_dim] each. */
  get cacheDims(): readonly number[] | undefined {
    return Object.values(this.past)[0]?.dims;
  }

  /** Where the cache lives: 'gpu-buffer' under WebGPU, 'cpu' under WASM (undefined while empty). */
  get cacheLocation(): string | undefined {
    return Object.values(this.past)[0]?.location;
  }

  reset(): void {
    for (const t of Object.values(this.past)) t.dispose();
    this.past = {};
    this.tokens = [];
  }

  private emptyPast(name: string): TypedTensorData {
    const dims = pastDims(this.shape, 0);
    return this.pastTypes[name] === 'float16' ? { dtype: 'float16', data: new Uint16Array(0), dims } : { dtype: 'float32', data: new Float32Array(0), dims };
  }

  async forward(tokens: readonly number[]): Promise<Float32Array> {
    const step = stepInputs(this.tokens.length, tokens);
    const feeds: Record<string, TypedTensorData | HeldTensor> = { input_ids: { dtype: 'int64', data: step.inputIds, dims: [1, step.sequenceLength] } };
    if (this.plan.usesAttentionMask) feeds.attention_mask = { dtype: 'int64', data: step.attentionMask, dims: [1, step.totalLength] };
    if (this.plan.usesPositionIds) feeds.position_ids = { dtype: 'int64', data: step.positionIds, dims: [1, step.sequenceLength] };
    for (const name of this.plan.pastNames) feeds[name] = this.past[name] ?? this.emptyPast(name);
    let out: Record<string, HeldTensor>;
    try {
      out = await this.model.runHeld(feeds);
    } catch (error) {
      this.reset();
      throw error;
    }
    const next: Record<string, HeldTensor> = {};
    for (const name of this.plan.pastNames) next[name] = out[presentFor(name)];
    const logits = out.logits;
    const keep = new Set([logits, ...Object.values(next)]);
    for (const t of Object.values(out)) if (!keep.has(t)) t.dispose();
    for (const t of Object.values(this.past)) t.dispose(); // replaced by the presents
    this.past = next;
    this.tokens.push(...tokens);
    try {
      const data = await readFloat32(logits);
      const vocab = logits.dims[logits.dims.length - 1];
      const rows = data.length / vocab;
      return data.slice((rows - 1) * vocab, rows * vocab);
    } finally {
      logits.dispose();
    }
  }

  /** Compiles kernels (shaders on WebGPU) for both paths, a prefill and a decode step, then empties the cache. */
  async warmUp(token = 0): Promise<void> {
    await this.forward([token, token, token, token]);
    await this.forward([token]);
    this.reset();
  }

  release(): Promise<void> {
    this.reset();
    return this.model.release();
  }
}

export interface ChatBundle {
  lm: KvCacheLM;
  tokenizer: ChatTokenizer;
  shape: DecoderShape;
  info: ChatModelInfo;
}

export interface OpenOptions {
  ep: ExecutionProvider;
  id: string;
  name: string;
  source: 'shipped' | 'folder';
  /** The shipped model's manifest; a folder gets one made from its config.json. */
  manifest?: Manifest;
  limits?: Omit<MemoryLimits, 'ep'>;
  /** Called before each file is read (progress in the UI). */
  onFile?: (name: string) => void;
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new LoupeError('MANIFEST_INVALID', `${name} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A manifest for a folder that has none (a community export): identified by its config.json. */
async function folderManifest(id: string, name: string, configName: string, configBytes: Uint8Array, shape: DecoderShape): Promise<Manifest> {
  const kv = ['batch', shape.kvHeads, 'past_sequence', shape.headDim];
  return {
    schemaVersion: 1,
    id,
    task: 'chat',
    name,
    files: [{ path: configName, role: 'config', bytes: configBytes.byteLength, sha256: await sha256Hex(configBytes) }],
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: ['batch', 'sequence'], layout: 'token ids' },
      ...pastNames(shape).map((n) => ({ name: n, dtype: 'float32' as const, shape: kv, layout: 'batch × kv_heads × past × head_dim' })),
    ],
    outputs: [{ name: 'logits', shape: ['batch', 'sequence', shape.vocabSize] }],
    labels: [],
    licence: { spdx: 'NOASSERTION' },
    source: { origin: 'a model folder chosen by the user' },
    intendedUse: 'chosen by the user',
  };
}

/**
 * Checks a model folder (files present, external weights present, size against memory), then loads tokenizer and
 * session and checks the session's signature against config.json. Every refusal names its reason.
 */
export async function openChatModel(folder: ModelSource, options: OpenOptions): Promise<ChatBundle> {
  const files = planModelFolder(folder.names);
  const dataFiles = folder.names.filter((n) => /\.onnx[._]data$/i.test(n));
  const bytes = [files.onnx, ...dataFiles].reduce((sum, n) => sum + (folder.size(n) ?? 0), 0);
  const tooLarge = whyTooLarge(bytes, { ep: options.ep, ...options.limits });
  if (tooLarge) throw new LoupeError('OUT_OF_MEMORY', `${options.name}: ${tooLarge}`);

  const read = async (name: string) => {
    options.onFile?.(name);
    return folder.read(name);
  };
  const configBytes = await read(files.config);
  const shape = readDecoderShape(parseJson(configBytes, files.config), files.config);
  const tokenizerConfig = parseJson(await read(files.tokenizerConfig), files.tokenizerConfig);
  const tokenizer = loadChatTokenizer(parseJson(await read(files.tokenizer), files.tokenizer), tokenizerConfig);
  const defaults = readGenerationDefaults(files.generationConfig ? parseJson(await read(files.generationConfig), files.generationConfig) : {});

  const onnx = await read(files.onnx);
  const needed = externalDataFiles(onnx);
  const missing = missingExternalData(needed, folder.names);
  if (missing.length) throw new LoupeError('MODEL_FETCH_FAILED', `${files.onnx} keeps its weights in ${missing.join(', ')}, which is not among the files. Choose the whole folder, ${missing.join(', ')} included.`);
  const externalData = await Promise.all(
    needed.map(async (path) => ({ path, data: await read(folder.names.find((n) => n.split('/').pop() === path.split('/').pop())!) })),
  );

  const manifest = options.manifest ?? (await folderManifest(options.id, options.name, files.config, configBytes, shape));
  const presents = pastNames(shape).map(presentFor);
  const model = await Model.create(manifest, onnx, options.ep, { outputsOnDevice: presents, externalData });
  let lm: KvCacheLM;
  try {
    lm = new KvCacheLM(model, shape, planDecoder(model.inputNames, model.outputNames, shape, `${options.name} (${files.onnx})`));
  } catch (error) {
    await model.release();
    throw error;
  }
  const eosTokenIds = [...new Set([...shape.eosTokenIds, ...defaults.eosTokenIds, ...tokenizer.eosTokenIds])];
  const notes: string[] = [];
  if (files.otherOnnx.length) notes.push(`Using ${files.onnx}; also in the folder: ${files.otherOnnx.join(', ')}.`);
  if (!tokenizer.hasChatTemplate) notes.push('No chat template in tokenizer_config.json: plain "User:/Assistant:" turns are used.');
  if (eosTokenIds.length === 0) notes.push('No end-of-sequence token is declared: answers stop at the token limit or a stop sequence.');
  return {
    lm,
    tokenizer,
    shape,
    info: {
      id: options.id,
      name: options.name,
      source: options.source,
      onnxFile: files.onnx,
      bytes: onnx.byteLength + externalData.reduce((s, d) => s + d.data.byteLength, 0),
      ep: options.ep,
      modelType: shape.modelType,
      layers: shape.layers,
      heads: shape.heads,
      kvHeads: shape.kvHeads,
      headDim: shape.headDim,
      vocabSize: shape.vocabSize,
      contextLength: shape.maxPositions,
      cacheType: model.inputTypes[pastNames(shape)[0]] ?? 'float32',
      hasChatTemplate: tokenizer.hasChatTemplate,
      eosTokenIds,
      defaults,
      intendedUse: options.manifest?.intendedUse,
      ...(options.manifest?.retrieval ? { retrieval: options.manifest.retrieval } : {}),
      notes,
    },
  };
}

/**
 * Opens the folder and runs the warm-up (prefill and one decode step with the model's BOS token), so kernels are set
 * up before the first question and a WebGPU kernel that cannot run fails here (the caller falls back to WASM).
 */
export async function openWarmChatModel(folder: ModelSource, options: OpenOptions): Promise<ChatBundle> {
  const bundle = await openChatModel(folder, options);
  const bos = (bundle.tokenizer.bosToken ? bundle.tokenizer.tokenId(bundle.tokenizer.bosToken) : undefined) ?? bundle.shape.bosTokenId ?? 0;
  try {
    await bundle.lm.warmUp(bos);
  } catch (error) {
    await bundle.lm.release().catch(() => undefined);
    throw error;
  }
  return bundle;
}
