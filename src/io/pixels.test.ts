import { describe, expect, it } from 'vitest';
import { windowGrey, writeBlended } from './pixels';

describe('windowGrey', () => {
  it('maps the window [lo, lo + window] onto 0–255 and clamps outside it', () => {
    expect(windowGrey(-40, -40, 400)).toBe(0);
    expect(windowGrey(160, -40, 400)).toBe(127.5);
    expect(windowGrey(360, -40, 400)).toBe(255);
    expect(windowGrey(-1000, -40, 400)).toBe(0);
    expect(windowGrey(3000, -40, 400)).toBe(255);
  });
});

describe('writeBlended', () => {
  it('writes grey when there is no colour or alpha is 0, always opaque', () => {
    const out = new Uint8ClampedArray(8);
    writeBlended(out, 0, 100, undefined, 1);
    writeBlended(out, 1, 50, [255, 0, 0], 0);
    expect(Array.from(out)).toEqual([100, 100, 100, 255, 50, 50, 50, 255]);
  });

  it('blends grey towards the colour by alpha', () => {
    const out = new Uint8ClampedArray(4);
    writeBlended(out, 0, 100, [200, 0, 100], 0.5);
    expect(Array.from(out)).toEqual([150, 50, 100, 255]);
    writeBlended(out, 0, 100, [200, 0, 100], 1);
    expect(Array.from(out)).toEqual([200, 0, 100, 255]);
  });
});
