// Key/value-cache bookkeeping for decoder-with-past models (pure): which inputs to feed, their shapes, and how the
// attention mask and positions grow. The runtime holds the tensors; this decides what goes in them.
import { LoupeError } from '../../../errors';
import type { DecoderShape } from './config';

export const PAST_PATTERN = /^past_key_values\.(\d+)\.(key|value)$/;
/** Inputs Loupe knows how to fill, besides the cache. */
export const DECODER_INPUTS = ['input_ids', 'attention_mask', 'position_ids'] as const;

export function pastName(layer: number, kind: 'key' | 'value'): string {
  return `past_key_values.${layer}.${kind}`;
}

/** `past_key_values.3.key` → `present.3.key` (the output fed back as that input on the next step). */
export function presentFor(past: string): string {
  const m = PAST_PATTERN.exec(past);
  if (!m) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${past} is not a past_key_values input`);
  return `present.${m[1]}.${m[2]}`;
}

export function pastNames(shape: Pick<DecoderShape, 'layers'>): string[] {
  return Array.from({ length: shape.layers }, (_, i) => [pastName(i, 'key'), pastName(i, 'value')]).flat();
}

/** [batch, kv_heads, past, head_dim]; past 0 is the empty cache of the first step. */
export function pastDims(shape: Pick<DecoderShape, 'kvHeads' | 'headDim'>, pastLength = 0, batch = 1): number[] {
  return [batch, shape.kvHeads, pastLength, shape.headDim];
}

export interface DecoderPlan {
  /** The cache inputs in the model's order. */
  pastNames: string[];
  usesAttentionMask: boolean;
  usesPositionIds: boolean;
}

/**
 * Checks a session's inputs and outputs against the decoder-with-past signature and the config, naming whatever
 * does not fit: inputs Loupe cannot supply, a cache missing or sized for another number of layers, missing outputs.
 */
export function planDecoder(inputNames: readonly string[], outputNames: readonly string[], shape: Pick<DecoderShape, 'layers'>, where = 'model'): DecoderPlan {
  const problems: string[] = [];
  const unknown = inputNames.filter((n) => !PAST_PATTERN.test(n) && !(DECODER_INPUTS as readonly string[]).includes(n));
  if (unknown.length) problems.push(`it needs input(s) Loupe cannot supply: ${unknown.join(', ')} (Loupe feeds input_ids, attention_mask, position_ids and past_key_values.{i}.key|value)`);
  if (!inputNames.includes('input_ids')) problems.push('it has no input_ids input');
  const past = inputNames.filter((n) => PAST_PATTERN.test(n));
  const expected = pastNames(shape);
  if (past.length === 0) problems.push('it has no past_key_values.* inputs: it was exported without a KV cache (export it "with past", e.g. Optimum\'s text-generation-with-past)');
  else {
    const absent = expected.filter((n) => !past.includes(n));
    const extra = past.filter((n) => !expected.includes(n));
    if (absent.length || extra.length) problems.push(`its cache inputs do not match config.json's ${shape.layers} layers (missing: ${absent.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'})`);
  }
  const wantedOutputs = ['logits', ...past.map(presentFor)];
  const missingOutputs = wantedOutputs.filter((n) => !outputNames.includes(n));
  if (missingOutputs.length) problems.push(`missing output(s) ${missingOutputs.join(', ')}`);
  if (problems.length) throw new LoupeError('INPUT_SHAPE_MISMATCH', `${where}: ${problems.join('; ')}.`);
  return { pastNames: past, usesAttentionMask: inputNames.includes('attention_mask'), usesPositionIds: inputNames.includes('position_ids') };
}

export interface StepInputs {
  /** [1, tokens] */
  inputIds: BigInt64Array;
  /** [1, past + tokens], all ones (one unpadded sequence). */
  attentionMask: BigInt64Array;
  /** [1, tokens]: past, past + 1, … */
  positionIds: BigInt64Array;
  sequenceLength: number;
  totalLength: number;
}

/** The int64 feeds of one step: `tokens` appended after `pastLength` cached ones. */
export function stepInputs(pastLength: number, tokens: readonly number[]): StepInputs {
  if (tokens.length === 0) throw new LoupeError('INPUT_SHAPE_MISMATCH', 'a decoder step needs at least one token');
  const totalLength = pastLength + tokens.length;
  return {
    inputIds: BigInt64Array.from(tokens, (t) => BigInt(t)),
    attentionMask: new BigInt64Array(totalLength).fill(1n),
    positionIds: BigInt64Array.from(tokens, (_, i) => BigInt(pastLength + i)),
    sequenceLength: tokens.length,
    totalLength,
  };
}

/**
 * How many cached tokens a new prompt can reuse: all of them when the cache is a strict prefix of the prompt (the
 * next turn of the same chat), else 0 (the cache must be reset: edited history, or a re-tokenised answer).
 */
export function reusablePrefix(cached: readonly number[], prompt: readonly number[]): number {
  if (cached.length === 0 || cached.length >= prompt.length) return 0;
  for (let i = 0; i < cached.length; i++) if (cached[i] !== prompt[i]) return 0;
  return cached.length;
}
