// The generation loop (pure): prefill, then one token a step through an injected causal LM that keeps its own
// key/value cache; logits processors → greedy or seeded sampling → stopping criteria → streamed text deltas.
import { LoupeError } from '../../../errors';
import { reusablePrefix } from './kvcache';
import { logitsProcessors, type DecodingOptions } from './processors';
import { argmax, mulberry32, sample } from './sampling';
import { contextLength, eosToken, maxNewTokens, shouldStop, stopSequences, type StopReason } from './stopping';
import { TextStreamer } from './streamer';

/** A decoder session with its KV cache (ONNX Runtime in the worker and the CLI; a fake in tests). */
export interface CausalLM {
  /** The token ids whose keys and values are cached, in order. */
  readonly cached: readonly number[];
  /** Runs `tokens` after the cache, appends them to it, and returns the last position's logits (a fresh array). */
  forward(tokens: readonly number[]): Promise<Float32Array>;
  /** Empties the cache. */
  reset(): void;
}

export interface GenerateOptions extends DecodingOptions {
  maxNewTokens: number;
  eosTokenIds: readonly number[];
  /** Text that ends the answer when generated (not shown). */
  stopSequences?: readonly string[];
  /** The model's context length: generation stops when it is full. */
  maxPositions?: number;
  /** Generated ids → text, special tokens skipped. */
  decode: (ids: readonly number[]) => string;
  /** Clock in ms (injected for tests). */
  now?: () => number;
}

export interface StreamEvent {
  /** New text safe to show (may be ''). */
  delta: string;
  /** The token just chosen; absent for the final flush. */
  token?: number;
  /** Tokens generated so far. */
  count: number;
}

export interface GenerateResult {
  /** Generated ids (the EOS token included when it ended the answer). */
  tokens: number[];
  /** The answer, cut before a stop sequence. */
  text: string;
  stopReason: StopReason;
  promptTokens: number;
  /** Prompt tokens whose keys and values came from the cache (earlier turns). */
  reusedTokens: number;
  /** Start to first token (prefill included), ms. */
  ttftMs: number;
  /** Decode speed after the first token: (n − 1) / (time from first to last token); 0 below 2 tokens. */
  tokensPerSecond: number;
  totalMs: number;
}

export async function generate(lm: CausalLM, promptIds: readonly number[], options: GenerateOptions, onToken?: (event: StreamEvent) => void, signal?: AbortSignal): Promise<GenerateResult> {
  const now = options.now ?? (() => performance.now());
  const start = now();
  if (promptIds.length === 0) throw new LoupeError('INPUT_SHAPE_MISMATCH', 'the prompt is empty');
  if (options.maxPositions && promptIds.length >= options.maxPositions) {
    throw new LoupeError('INPUT_SHAPE_MISMATCH', `the prompt is ${promptIds.length} tokens; the model's context is ${options.maxPositions}`);
  }
  const processors = logitsProcessors(options);
  const random = options.sampling ? mulberry32(options.sampling.seed) : undefined;
  const stops = options.stopSequences?.filter((s) => s.length > 0) ?? [];
  const criteria = [eosToken(options.eosTokenIds), maxNewTokens(options.maxNewTokens), stopSequences(stops), ...(options.maxPositions ? [contextLength(options.maxPositions)] : [])];
  const streamer = new TextStreamer(options.decode, stops);
  const generated: number[] = [];
  const context = [...promptIds];
  let firstAt = 0;
  let lastAt = 0;
  let ttftMs = 0;
  let stopReason: StopReason | undefined = options.maxNewTokens <= 0 ? 'max-tokens' : undefined;

  const reusedTokens = reusablePrefix(lm.cached, promptIds);
  if (reusedTokens === 0 && lm.cached.length > 0) lm.reset();
  let logits = stopReason || signal?.aborted ? undefined : await lm.forward(promptIds.slice(reusedTokens));
  while (!stopReason && logits) {
    if (signal?.aborted) {
      stopReason = 'aborted';
      break;
    }
    for (const process of processors) process(logits, context);
    const token = random ? sample(logits, random) : argmax(logits);
    generated.push(token);
    context.push(token);
    lastAt = now();
    if (generated.length === 1) {
      firstAt = lastAt;
      ttftMs = lastAt - start;
    }
    const delta = streamer.push(token); // before the optional call: `f?.(x)` skips evaluating x when f is absent
    onToken?.({ delta, token, count: generated.length });
    stopReason = shouldStop(criteria, { generated, totalLength: context.length, text: streamer.decodedText });
    if (stopReason) break;
    if (signal?.aborted) {
      stopReason = 'aborted';
      break;
    }
    logits = await lm.forward([token]); // a session yields to the worker's messages before it runs: a Stop gets in here

  }
  stopReason ??= 'aborted';
  const rest = streamer.flush();
  if (rest) onToken?.({ delta: rest, count: generated.length });
  return {
    tokens: generated,
    text: streamer.text,
    stopReason,
    promptTokens: promptIds.length,
    reusedTokens,
    ttftMs,
    tokensPerSecond: generated.length >= 2 && lastAt > firstAt ? ((generated.length - 1) * 1000) / (lastAt - firstAt) : 0,
    totalMs: now() - start,
  };
}
