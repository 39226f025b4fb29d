// Chat templates (pure): a history of messages → the prompt text, with the model's own Jinja template
// (tokenizer_config.json's `chat_template`), rendered by @huggingface/jinja like Transformers.js does.
import { Template } from '@huggingface/jinja';
import { LoupeError } from '../../../errors';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** For a model without a chat template: plain "User:/Assistant:" turns (said so in the UI). */
export const FALLBACK_CHAT_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{{ m.content + '\\n\\n' }}{% elif m.role == 'user' %}{{ 'User: ' + m.content + '\\n' }}{% else %}{{ 'Assistant: ' + m.content + eos_token + '\\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/** tokenizer_config.json's template: a string, or a list of named ones (the "default" is used). */
export function chatTemplateOf(tokenizerConfig: unknown): string | undefined {
  const t = (tokenizerConfig as { chat_template?: unknown } | undefined)?.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.filter((x): x is { name: string; template: string } => typeof x?.name === 'string' && typeof x?.template === 'string');
    return (named.find((x) => x.name === 'default') ?? named[0])?.template;
  }
  return undefined;
}

/** A token string from tokenizer_config.json (`"<s>"` or `{ "content": "<s>" }`). */
export function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

const compiled = new Map<string, Template>();

export interface RenderOptions {
  bosToken?: string;
  eosToken?: string;
  /** End with the assistant's turn opening, so the model answers (default true). */
  addGenerationPrompt?: boolean;
}

export function renderChat(template: string, messages: readonly ChatMessage[], { bosToken = '', eosToken = '', addGenerationPrompt = true }: RenderOptions = {}): string {
  let t = compiled.get(template);
  try {
    if (!t) {
      t = new Template(template);
      compiled.set(template, t);
    }
    return t.render({ messages, add_generation_prompt: addGenerationPrompt, bos_token: bosToken, eos_token: eosToken });
  } catch (error) {
    throw new LoupeError('INPUT_SHAPE_MISMATCH', `the model's chat template failed: ${(error as Error).message}`);
  }
}

/**
 * Drops the oldest turns (keeping a leading system message and the last message) until `encode(messages)` fits
 * in `budget` tokens; returns the messages kept and their encoding (encoded once, not again by the caller). Throws
 * when even the last message alone does not fit.
 */
export function fitHistory<Ids extends { length: number }>(messages: readonly ChatMessage[], encode: (m: readonly ChatMessage[]) => Ids, budget: number): { messages: ChatMessage[]; ids: Ids } {
  const system = messages[0]?.role === 'system' ? [messages[0]] : [];
  let rest = messages.slice(system.length);
  for (;;) {
    const candidate = [...system, ...rest];
    const ids = encode(candidate);
    if (ids.length <= budget) return { messages: candidate, ids };
    if (rest.length <= 1) throw new LoupeError('INPUT_SHAPE_MISMATCH', `the message is ${ids.length} tokens with the template; the model's context leaves room for ${budget}. Shorten it.`);
    // drop one exchange (a user turn and the assistant reply after it) at a time
    rest = rest.slice(rest.length > 2 && rest[1].role === 'assistant' ? 2 : 1);
  }
}
