// config.json / generation_config.json → the numbers the chat runtime needs (pure).
import { LoupeError } from '../../../errors';

/** What the runtime needs to know about a decoder to feed it: cache shapes, context, special ids. */
export interface DecoderShape {
  modelType: string;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  vocabSize: number;
  /** Longest context (prompt + generated) the positions were trained for. */
  maxPositions: number;
  bosTokenId?: number;
  eosTokenIds: number[];
}

/** Defaults a model ships in generation_config.json (all optional). */
export interface GenerationDefaults {
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  maxNewTokens?: number;
  eosTokenIds: number[];
}

type Json = Record<string, unknown>;

const num = (j: Json, ...keys: string[]): number | undefined => {
  for (const k of keys) if (typeof j[k] === 'number' && Number.isFinite(j[k])) return j[k] as number;
  return undefined;
};

export const ids = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : Number.isInteger(v) ? [v as number] : []);

/**
 * Reads a Hugging Face config.json: Llama/Mistral/Qwen/Phi keys (hidden_size, num_attention_heads,
 * num_key_value_heads, num_hidden_layers, head_dim), with GPT-2 names (n_embd, n_head, n_layer, n_positions) as
 * fallbacks. A missing key is named in the error.
 */
export function readDecoderShape(config: unknown, where = 'config.json'): DecoderShape {
  if (!config || typeof config !== 'object') throw new LoupeError('MANIFEST_INVALID', `${where}: not a JSON object`);
  const j = config as Json;
  const hidden = num(j, 'hidden_size', 'n_embd', 'd_model');
  const heads = num(j, 'num_attention_heads', 'n_head');
  const layers = num(j, 'num_hidden_layers', 'n_layer', 'num_layers');
  const vocabSize = num(j, 'vocab_size');
  const missing = Object.entries({ hidden_size: hidden, num_attention_heads: heads, num_hidden_layers: layers, vocab_size: vocabSize })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length) throw new LoupeError('MANIFEST_INVALID', `${where}: missing ${missing.join(', ')}; Loupe needs them to size the key/value cache`);
  const kvHeads = num(j, 'num_key_value_heads', 'n_head_kv', 'multi_query_group_num') ?? heads!;
  const headDim = num(j, 'head_dim') ?? hidden! / heads!;
  if (!Number.isInteger(headDim) || heads! % kvHeads !== 0) throw new LoupeError('MANIFEST_INVALID', `${where}: inconsistent attention shape (hidden ${hidden}, heads ${heads}, KV heads ${kvHeads}, head_dim ${headDim})`);
  return {
    modelType: typeof j.model_type === 'string' ? j.model_type : 'unknown',
    layers: layers!,
    heads: heads!,
    kvHeads,
    headDim,
    hidden: hidden!,
    vocabSize: vocabSize!,
    maxPositions: num(j, 'max_position_embeddings', 'n_positions', 'n_ctx', 'seq_length') ?? 2048,
    bosTokenId: num(j, 'bos_token_id'),
    eosTokenIds: ids(j.eos_token_id),
  };
}

export function readGenerationDefaults(generationConfig: unknown): GenerationDefaults {
  const j = (generationConfig && typeof generationConfig === 'object' ? generationConfig : {}) as Json;
  return {
    doSample: typeof j.do_sample === 'boolean' ? j.do_sample : undefined,
    temperature: num(j, 'temperature'),
    topK: num(j, 'top_k'),
    topP: num(j, 'top_p'),
    repetitionPenalty: num(j, 'repetition_penalty'),
    maxNewTokens: num(j, 'max_new_tokens'),
    eosTokenIds: ids(j.eos_token_id),
  };
}
