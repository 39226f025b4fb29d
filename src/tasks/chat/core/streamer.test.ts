import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextLength, eosToken, findStopSequence, maxNewTokens, shouldStop, stopSequences } from './stopping';
import { TextStreamer, safeTextEnd } from './streamer';
import { loadChatTokenizer } from './tokenizer';

const TINY = join(import.meta.dirname, '../../../../public/models/chat/tiny-random');
const json = (f: string) => JSON.parse(readFileSync(join(TINY, f), 'utf8'));

/** A byte-level "tokenizer" whose tokens are single UTF-8 bytes: the worst case for split characters. */
const bytes = (text: string) => Array.from(new TextEncoder().encode(text));
const byteDecode = (ids: readonly number[]) => new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(ids));
/** A tokenizer whose tokens are whole strings. */
const pieces = (vocab: string[]) => (ids: readonly number[]) => ids.map((i) => vocab[i]).join('');

function stream(streamer: TextStreamer, ids: number[]): string[] {
  const deltas = ids.map((t) => streamer.push(t));
  deltas.push(streamer.flush());
  return deltas;
}

describe('stopping criteria', () => {
  const state = (generated: number[], text = '', totalLength = generated.length) => ({ generated, text, totalLength });
  it('max new tokens, EOS, context length, stop sequences', () => {
    expect(maxNewTokens(3)(state([1, 2]))).toBeUndefined();
    expect(maxNewTokens(3)(state([1, 2, 3]))).toBe('max-tokens');
    expect(eosToken([7, 9])(state([1, 9]))).toBe('eos');
    expect(eosToken([7, 9])(state([9, 1]))).toBeUndefined();
    expect(contextLength(10)(state([1], '', 10))).toBe('context-full');
    expect(stopSequences(['\nUser:'])(state([1], 'Hi\nUser: x'))).toBe('stop-sequence');
    expect(shouldStop([eosToken([9]), maxNewTokens(1)], state([9]))).toBe('eos');
  });

  it('finds the earliest stop sequence, the longest at a tie', () => {
    expect(findStopSequence('abc END xyz STOP', ['STOP', 'END'])).toEqual({ index: 4, sequence: 'END' });
    expect(findStopSequence('a\n\nb', ['\n', '\n\n'])).toEqual({ index: 1, sequence: '\n\n' });
    expect(findStopSequence('abc', ['', 'x'])).toBeUndefined();
  });
});

describe('text streamer', () => {
  it('never shows half a character: multi-byte text streamed one byte at a time', () => {
    const text = 'héllo 🙂 日本語!';
    const deltas = stream(new TextStreamer(byteDecode), bytes(text));
    expect(deltas.join('')).toBe(text);
    expect(deltas.some((d) => d.includes('\uFFFD'))).toBe(false);
    // the emoji's 4 bytes: nothing until the last one, then the whole character
    const emoji = bytes('🙂');
    const s = new TextStreamer(byteDecode);
    expect(emoji.map((b) => s.push(b))).toEqual(['', '', '', '🙂']);
  });

  it('an invalid byte in the middle stays as U+FFFD; a dangling one is flushed at the end', () => {
    const s = new TextStreamer(byteDecode);
    const deltas = stream(s, [0x61, 0xff, 0x62, 0xe6]);
    expect(deltas).toEqual(['a', '', '\uFFFDb', '', '\uFFFD']);
    expect(s.text).toBe('a\uFFFDb\uFFFD');
  });

  it('holds back a possible stop sequence and cuts at a complete one', () => {
    const vocab = ['Hi', '\n', 'Us', 'er:', ' more'];
    const s = new TextStreamer(pieces(vocab), ['\nUser:']);
    expect([0, 1, 2, 3].map((t) => s.push(t))).toEqual(['Hi', '', '', '']);
    expect(s.stopSequence).toBe('\nUser:');
    expect(s.push(4)).toBe('');
    expect(s.flush()).toBe('');
    expect(s.text).toBe('Hi');
  });

  it('releases a held prefix that turned out not to be a stop sequence', () => {
    const vocab = ['a', '\n', 'b'];
    const s = new TextStreamer(pieces(vocab), ['\nUser:']);
    expect(stream(s, [0, 1, 2])).toEqual(['a', '', '\nb', '']);
    expect(s.stopSequence).toBeUndefined();
  });

  it('safe end: before trailing U+FFFD and before the longest stop-sequence prefix', () => {
    expect(safeTextEnd('abc\uFFFD')).toBe(3);
    expect(safeTextEnd('abc\nUs', ['\nUser:', 'Q:'])).toBe(3);
    expect(safeTextEnd('abcQ', ['\nUser:', 'Q:'])).toBe(3);
    expect(safeTextEnd('abc', ['\nUser:'])).toBe(3);
  });

  it('streams the shipped byte-level BPE without broken characters', () => {
    const tok = loadChatTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
    const text = 'A loupe (magnifier) — 放大镜 🔍, naïve café.';
    const ids = tok.encode(text);
    expect(tok.decode(ids)).toBe(text);
    const deltas = stream(new TextStreamer(tok.decode), ids);
    expect(deltas.join('')).toBe(text);
    expect(deltas.some((d) => d.includes('\uFFFD'))).toBe(false);
    expect(deltas.filter((d) => d === '').length).toBeGreaterThan(1); // the CJK and emoji bytes were held back
  });
});
