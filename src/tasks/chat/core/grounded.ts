// One chat turn checked against WordNet (pure). With `use: 'context'` (a model trained to answer from the entry) the
// entries of the words asked go into the prompt as a system message first (context.ts). Either way the model's text
// is held back until the word the answer is about (its headword) is complete and judged. An answer about another
// word, or a definition of a word WordNet lacks, stops there and is never streamed; anything else streams on. Used by
// the chat worker, the CLI, the grounding measurement and the benchmark.
import { chatTurn, type ChatModelLimits, type ChatSettings, type ChatTurnResult } from './chat';
import { contextBlock, contextMessages } from './context';
import type { CausalLM, GenerateOptions, StreamEvent } from './generate';
import { judgeAnswer, lookupQuestion, type Grounding, type LookupResult } from './grounding';
import type { Lexicon } from './lexicon';
import type { ChatMessage } from './template';
import type { ChatTokenizer } from './tokenizer';

export interface GroundedTurnResult extends ChatTurnResult {
  /** Absent when no lexicon was given (a model without `retrieval`). */
  grounding?: Grounding;
  /** The context block given to the model (`use: 'context'` only). */
  context?: string;
}

/** How a model uses its lexicon (its manifest's `retrieval.use`): check answers only, or also read the entry. */
export interface Ground {
  lex: Lexicon;
  use: 'verify' | 'context';
}

/**
 * What a grounded turn gives the model for `messages`: the lookup of the last question (a follow-up that names no
 * word is about the word of an earlier question), and with `use: 'context'` the context block and the prompt laid
 * out around it. The worker also hands the prompt to the benchmark's peer runtime, so both decode the same ids.
 */
export function groundedPrompt(messages: readonly ChatMessage[], ground: Ground): { question: string; looked: LookupResult; prompt: readonly ChatMessage[]; context?: string } {
  const users = messages.filter((m) => m.role === 'user').map((m) => m.content);
  const question = users.at(-1) ?? '';
  const looked = lookupQuestion(question, ground.lex, users.slice(0, -1));
  if (ground.use !== 'context') return { question, looked, prompt: messages };
  const context = contextBlock(looked);
  return { question, looked, prompt: contextMessages(messages, context), context };
}

export async function groundedChatTurn(
  lm: CausalLM,
  tokenizer: ChatTokenizer,
  messages: readonly ChatMessage[],
  settings: ChatSettings,
  limits: ChatModelLimits,
  ground: Ground | undefined,
  onToken?: (event: StreamEvent) => void,
  signal?: AbortSignal,
  runtime: Pick<GenerateOptions, 'now'> = {},
): Promise<GroundedTurnResult> {
  if (!ground) return chatTurn(lm, tokenizer, messages, settings, limits, onToken, signal, runtime);
  const { lex } = ground;
  const { question, looked, prompt, context } = groundedPrompt(messages, ground);
  // A model that reads the entry copies its glosses: a gloss word that is not in the entry is an error (copiedGloss).
  const strict = ground.use === 'context';
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort);
  if (signal?.aborted) stop.abort();
  let text = '';
  let held: StreamEvent[] = [];
  let early: Grounding | undefined;
  const relay = (e: StreamEvent) => {
    text += e.delta;
    if (!early) {
      early = judgeAnswer(question, text, looked, lex, false, strict);
      if (!early) {
        held.push(e);
        return;
      }
      if (early.withheld) {
        stop.abort(); // nothing of it was shown: stop at the headword
        return;
      }
      if (held.length) onToken?.({ ...e, delta: held.map((h) => h.delta).join('') + e.delta });
      else onToken?.(e);
      held = [];
      return;
    }
    if (!early.withheld) onToken?.(e);
  };
  try {
    const result = await chatTurn(lm, tokenizer, prompt, settings, limits, relay, stop.signal, runtime);
    const grounding = judgeAnswer(question, result.text, looked, lex, true, strict)!;
    // Text held back while the headword was incomplete comes out now, unless the answer is withheld.
    if (!grounding.withheld && held.length) onToken?.({ delta: held.map((h) => h.delta).join(''), count: result.tokens.length });
    return { ...result, grounding, ...(context !== undefined ? { context } : {}) };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
