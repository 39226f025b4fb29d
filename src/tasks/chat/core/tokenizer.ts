// The model's tokenizer (tokenizer.json + tokenizer_config.json via @huggingface/tokenizers, pure JS) with the
// chat template and special tokens the chat needs.
import { Tokenizer } from '@huggingface/tokenizers';
import { LoupeError } from '../../../errors';
import { FALLBACK_CHAT_TEMPLATE, chatTemplateOf, renderChat, tokenString, type ChatMessage } from './template';

export interface ChatTokenizer {
  /** Ids of `text` as is: no BOS/EOS added (chat templates write their own). */
  encode(text: string): number[];
  /** Text of generated ids, special tokens skipped. */
  decode(ids: readonly number[]): string;
  tokenId(token: string): number | undefined;
  /** Renders the history with the model's template and encodes it. */
  encodeChat(messages: readonly ChatMessage[], addGenerationPrompt?: boolean): number[];
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly template: string;
  /** False when the model ships no chat template and the plain User:/Assistant: fallback is used. */
  readonly hasChatTemplate: boolean;
  /** The id of tokenizer_config's eos_token, when it has one. */
  readonly eosTokenIds: number[];
}

export function loadChatTokenizer(tokenizerJson: unknown, tokenizerConfig: unknown): ChatTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson as object, (tokenizerConfig ?? {}) as object);
  } catch (error) {
    throw new LoupeError('MANIFEST_INVALID', `tokenizer.json could not be loaded: ${(error as Error).message}`);
  }
  const cfg = (tokenizerConfig ?? {}) as Record<string, unknown>;
  const own = chatTemplateOf(cfg);
  const template = own ?? FALLBACK_CHAT_TEMPLATE;
  const bosToken = tokenString(cfg.bos_token);
  const eosToken = tokenString(cfg.eos_token);
  const eosId = eosToken === undefined ? undefined : tokenizer.token_to_id(eosToken);
  const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
  return {
    encode,
    decode: (ids) => tokenizer.decode(ids as number[], { skip_special_tokens: true }),
    tokenId: (token) => tokenizer.token_to_id(token),
    encodeChat: (messages, addGenerationPrompt = true) => encode(renderChat(template, messages, { bosToken, eosToken, addGenerationPrompt })),
    bosToken,
    eosToken,
    template,
    hasChatTemplate: own !== undefined,
    eosTokenIds: eosId === undefined ? [] : [eosId],
  };
}
