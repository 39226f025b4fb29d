import { describe, expect, it } from 'vitest';
import { heatColour, renderCtSliceRgba } from './heat';

describe('heat map', () => {
  it('runs black → red → yellow → white', () => {
    expect(heatColour(0)).toEqual([0, 0, 0]);
    expect(heatColour(1 / 3)).toEqual([255, 0, 0]);
    expect(heatColour(2 / 3).map(Math.round)).toEqual([255, 255, 0]);
    expect(heatColour(1)).toEqual([255, 255, 255]);
  });
  it('blends the map over the windowed slice with alpha = opacity × value', () => {
    const rgba = renderCtSliceRgba([-600, -600, 150], [0, 1, 0], 1, 3, -600, 1500, 0.5);
    expect(Array.from(rgba.subarray(0, 3))).toEqual([128, 128, 128]); // no heat
    expect(Array.from(rgba.subarray(4, 7))).toEqual([191, 191, 191]); // halfway to white
    expect(Array.from(rgba.subarray(8, 11))).toEqual([255, 255, 255]); // top of the window
  });
});
