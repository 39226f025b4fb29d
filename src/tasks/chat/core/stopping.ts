// Stopping criteria (pure): each looks at the state after a token and says whether (and why) to stop.

export type StopReason = 'eos' | 'max-tokens' | 'stop-sequence' | 'context-full' | 'aborted';

export interface GenerationState {
  /** Tokens generated so far (the newest last). */
  generated: readonly number[];
  /** Prompt + generated tokens. */
  totalLength: number;
  /** Decoded generated text (special tokens skipped). */
  text: string;
}

export type StoppingCriterion = (state: GenerationState) => StopReason | undefined;

export function maxNewTokens(n: number): StoppingCriterion {
  return ({ generated }) => (generated.length >= n ? 'max-tokens' : undefined);
}

export function eosToken(ids: readonly number[]): StoppingCriterion {
  const set = new Set(ids);
  return ({ generated }) => (generated.length > 0 && set.has(generated[generated.length - 1]) ? 'eos' : undefined);
}

/** The model's context is full: no position left for another token. */
export function contextLength(maxPositions: number): StoppingCriterion {
  return ({ totalLength }) => (totalLength >= maxPositions ? 'context-full' : undefined);
}

/** The first stop sequence in `text` (earliest position; the longest at that position). */
export function findStopSequence(text: string, stops: readonly string[]): { index: number; sequence: string } | undefined {
  let found: { index: number; sequence: string } | undefined;
  for (const s of stops) {
    if (!s) continue;
    const index = text.indexOf(s);
    if (index >= 0 && (!found || index < found.index || (index === found.index && s.length > found.sequence.length))) found = { index, sequence: s };
  }
  return found;
}

export function stopSequences(stops: readonly string[]): StoppingCriterion {
  return ({ text }) => (findStopSequence(text, stops) ? 'stop-sequence' : undefined);
}

/** The first criterion that fires, in order. */
export function shouldStop(criteria: readonly StoppingCriterion[], state: GenerationState): StopReason | undefined {
  for (const c of criteria) {
    const reason = c(state);
    if (reason) return reason;
  }
  return undefined;
}
