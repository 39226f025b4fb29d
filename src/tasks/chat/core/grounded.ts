// One chat turn checked against WordNet (pure): the model generates as usual; its text is held back until the word
// the answer is about (its headword) is complete and judged. An answer about another word, or a definition of a word
// WordNet lacks, stops there and is never streamed; anything else streams on. Used by the chat worker and the CLI.
import { chatTurn, type ChatModelLimits, type ChatSettings, type ChatTurnResult } from './chat';
import type { CausalLM, GenerateOptions, StreamEvent } from './generate';
import { judgeAnswer, lookupQuestion, type Grounding } from './grounding';
import type { Lexicon } from './lexicon';
import type { ChatMessage } from './template';
import type { ChatTokenizer } from './tokenizer';

export interface GroundedTurnResult extends ChatTurnResult {
  /** Absent when no lexicon was given (a model without `retrieval`). */
  grounding?: Grounding;
}

export async function groundedChatTurn(
  lm: CausalLM,
  tokenizer: ChatTokenizer,
  messages: readonly ChatMessage[],
  settings: ChatSettings,
  limits: ChatModelLimits,
  lex: Lexicon | undefined,
  onToken?: (event: StreamEvent) => void,
  signal?: AbortSignal,
  runtime: Pick<GenerateOptions, 'now'> = {},
): Promise<GroundedTurnResult> {
  if (!lex) return chatTurn(lm, tokenizer, messages, settings, limits, onToken, signal, runtime);
  const users = messages.filter((m) => m.role === 'user').map((m) => m.content);
  const question = users.at(-1) ?? '';
  const looked = lookupQuestion(question, lex, users.slice(0, -1));
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
      early = judgeAnswer(question, text, looked, lex, false);
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
    const result = await chatTurn(lm, tokenizer, messages, settings, limits, relay, stop.signal, runtime);
    const grounding = judgeAnswer(question, result.text, looked, lex, true)!;
    // Text held back while the headword was incomplete comes out now, unless the answer is withheld.
    if (!grounding.withheld && held.length) onToken?.({ delta: held.map((h) => h.delta).join(''), count: result.tokens.length });
    return { ...result, grounding };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
