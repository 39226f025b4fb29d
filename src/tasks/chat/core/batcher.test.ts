import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deltaBatcher } from './batcher';

describe('deltaBatcher', () => {
  let clock = 0;
  let sent: [string, number][];
  const make = (intervalMs = 16) => deltaBatcher((delta, count) => sent.push([delta, count]), { intervalMs, now: () => clock });
  beforeEach(() => {
    clock = 0;
    sent = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('sends the first text at once, then at most once per interval with everything since', () => {
    const b = make();
    b.push('A', 1);
    expect(sent).toEqual([['A', 1]]);
    clock = 2;
    b.push(' lamp', 2);
    clock = 4;
    b.push('', 3); // a token that adds no text yet (half a character, say): only the count moves on
    clock = 10;
    b.push(' with', 4);
    expect(sent).toEqual([['A', 1]]);
    clock = 16;
    b.push(' a', 5);
    expect(sent).toEqual([['A', 1], [' lamp with a', 5]]);
    clock = 20;
    b.push(' case', 6);
    b.flush();
    expect(sent).toEqual([['A', 1], [' lamp with a', 5], [' case', 6]]);
    expect(sent.map(([d]) => d).join('')).toBe('A lamp with a case');
  });

  it('never sends empty text: a flush with nothing pending, or tokens without text, sends nothing', () => {
    const b = make();
    b.push('', 1);
    b.flush();
    expect(sent).toEqual([]);
    b.push('x', 2);
    b.push('', 3);
    b.flush();
    expect(sent).toEqual([['x', 2]]);
  });

  it('a timer sends held text when the next token is slow to come', () => {
    const b = make();
    b.push('a', 1);
    clock = 5;
    b.push('b', 2);
    expect(sent).toEqual([['a', 1]]);
    clock = 16;
    vi.advanceTimersByTime(11);
    expect(sent).toEqual([['a', 1], ['b', 2]]);
    b.flush(); // nothing left
    expect(sent).toHaveLength(2);
  });

  it('flush cancels the timer: nothing is sent twice', () => {
    const b = make();
    b.push('a', 1);
    clock = 1;
    b.push('b', 2);
    b.flush();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([['a', 1], ['b', 2]]);
  });

  it('interval 0 sends every text as it comes', () => {
    const b = make(0);
    for (const [i, d] of ['x', 'y', 'z'].entries()) b.push(d, i + 1);
    expect(sent).toEqual([['x', 1], ['y', 2], ['z', 3]]);
  });
});
