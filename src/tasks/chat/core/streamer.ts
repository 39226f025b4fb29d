// A text streamer (pure): turns generated token ids into text deltas that are safe to show as they come.
//
// Byte-level BPE tokens can end in the middle of a UTF-8 character (an emoji is often 2–4 tokens); decoding such a
// prefix gives U+FFFD at the end. And a stop sequence can arrive over several tokens. So each step decodes all the
// generated ids (decoders like SentencePiece's depend on the whole sequence), cuts at a complete stop sequence,
// and holds back a trailing U+FFFD run and any suffix that could still become a stop sequence.
import { findStopSequence } from './stopping';

/** Where the safe prefix of `text` ends: before an incomplete character or the possible start of a stop sequence. */
export function safeTextEnd(text: string, stops: readonly string[] = []): number {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\uFFFD') end--;
  let hold = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, end); k > hold; k--) {
      if (text.startsWith(s.slice(0, k), end - k)) {
        hold = k;
        break;
      }
    }
  }
  return end - hold;
}

export class TextStreamer {
  private readonly tokens: number[] = [];
  private current = '';
  private decoded = '';
  private emitted = 0;
  private hit: { index: number; sequence: string } | undefined;

  /** `decode` turns generated ids into text (special tokens skipped); `stops` end the text (they are not shown). */
  constructor(
    private readonly decode: (ids: readonly number[]) => string,
    private readonly stops: readonly string[] = [],
  ) {}

  /** Adds one token; returns the text that became safe to show ('' while held back). */
  push(token: number): string {
    if (this.hit) return '';
    this.tokens.push(token);
    const text = this.decode(this.tokens);
    this.decoded = text;
    this.hit = findStopSequence(text, this.stops);
    this.current = this.hit ? text.slice(0, this.hit.index) : text;
    return this.take(this.hit ? this.current.length : safeTextEnd(this.current, this.stops));
  }

  /** At the end of generation: whatever was held back (an unfinished character or stop-sequence prefix). */
  flush(): string {
    return this.take(this.current.length);
  }

  /** The text so far, cut before a stop sequence. */
  get text(): string {
    return this.current;
  }

  /** Everything decoded, stop sequence and beyond included (what stopping criteria look at). */
  get decodedText(): string {
    return this.decoded;
  }

  /** The stop sequence that ended the text, if one did. */
  get stopSequence(): string | undefined {
    return this.hit?.sequence;
  }

  private take(end: number): string {
    if (end <= this.emitted) return '';
    const delta = this.current.slice(this.emitted, end);
    this.emitted = end;
    return delta;
  }
}
