import { describe, expect, it } from 'vitest';
import { ascii } from './bytes';

describe('ascii', () => {
  const bytes = new Uint8Array([0x44, 0x49, 0x43, 0x4d, 0x89, 0x00]);

  it('reads bytes [start, end) one character per byte', () => {
    expect(ascii(bytes, 0, 4)).toBe('DICM');
    expect(ascii(bytes, 1, 3)).toBe('IC');
    expect(ascii(bytes, 4, 6)).toBe('\u0089\u0000');
  });

  it('stops at the end of the bytes and gives "" for an empty range', () => {
    expect(ascii(bytes, 2, 100)).toBe('CM\u0089\u0000');
    expect(ascii(bytes, 3, 3)).toBe('');
    expect(ascii(new Uint8Array(0), 0, 4)).toBe('');
  });
});
