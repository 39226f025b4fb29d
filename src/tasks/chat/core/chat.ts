// One chat turn (pure): history → template → prompt ids (oldest turns dropped to fit the context) → generate.
import { generate, type CausalLM, type GenerateOptions, type GenerateResult, type StreamEvent } from './generate';
import type { SamplingOptions } from './processors';
import { fitHistory, type ChatMessage } from './template';
import type { ChatTokenizer } from './tokenizer';

/** The settings a user picks (the chat view's panel, the CLI's flags). */
export interface ChatSettings {
  maxNewTokens: number;
  /** Absent = greedy. */
  sampling?: SamplingOptions;
  /** 1 = off */
  repetitionPenalty: number;
  stopSequences: string[];
}

export const DEFAULT_CHAT_SETTINGS: ChatSettings = { maxNewTokens: 128, repetitionPenalty: 1, stopSequences: [] };

export interface ChatModelLimits {
  eosTokenIds: readonly number[];
  maxPositions: number;
}

export interface ChatTurnResult extends GenerateResult {
  /** Earlier messages left out so the prompt fits the context. */
  droppedMessages: number;
}

export async function chatTurn(
  lm: CausalLM,
  tokenizer: ChatTokenizer,
  messages: readonly ChatMessage[],
  settings: ChatSettings,
  limits: ChatModelLimits,
  onToken?: (event: StreamEvent) => void,
  signal?: AbortSignal,
  runtime: Pick<GenerateOptions, 'now'> = {},
): Promise<ChatTurnResult> {
  // room for the answer: the requested tokens, but never more than half the context
  const budget = limits.maxPositions - Math.min(settings.maxNewTokens, Math.floor(limits.maxPositions / 2));
  const { messages: fitted, ids: prompt } = fitHistory(messages, (m) => tokenizer.encodeChat(m), budget);
  const result = await generate(
    lm,
    prompt,
    {
      ...runtime,
      maxNewTokens: settings.maxNewTokens,
      sampling: settings.sampling,
      repetitionPenalty: settings.repetitionPenalty,
      stopSequences: settings.stopSequences,
      eosTokenIds: limits.eosTokenIds,
      maxPositions: limits.maxPositions,
      decode: tokenizer.decode,
    },
    onToken,
    signal,
  );
  return { ...result, droppedMessages: messages.length - fitted.length };
}

