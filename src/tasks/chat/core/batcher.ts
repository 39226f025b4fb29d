// Streamed text in batches (pure): a worker sends generated text to the page in one message per interval instead of
// one per token. Every message is a round trip through the page's event loop (a comlink call and its reply), which
// at hundreds of tokens a second costs more than a decode step on a busy machine. The first text goes at once (time
// to first token), later text at most once per `intervalMs` (the page shows it per animation frame anyway), and
// whatever is left either by a timer or on `flush()` at the end of the answer.

export interface DeltaBatcher {
  /** Text that became safe to show and the number of tokens generated so far (text may be ''). */
  push(delta: string, count: number): void;
  /** Sends what is pending now (end of the answer). */
  flush(): void;
}

export interface BatcherOptions {
  /** Least time between two sends, ms (a frame at 60 Hz by default). */
  intervalMs?: number;
  /** Clock in ms (injected for tests). */
  now?: () => number;
}

/**
 * Calls `send(text, count)` with the text pushed since the last send and the newest count (tokens generated when
 * it was sent). Never sends '' and never holds text for longer than the interval once the event loop turns.
 */
export function deltaBatcher(send: (delta: string, count: number) => void, { intervalMs = 16, now = () => performance.now() }: BatcherOptions = {}): DeltaBatcher {
  let pending = '';
  let count = 0;
  let sentAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const delta = pending;
    pending = '';
    sentAt = now();
    send(delta, count);
  };
  return {
    push(delta, tokens) {
      count = tokens;
      pending += delta;
      if (!pending) return;
      const wait = sentAt + intervalMs - now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait); // a slow next step: the text still shows within the interval
    },
    flush,
  };
}
