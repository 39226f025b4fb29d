import { describe, expect, it } from 'vitest';
import { assetName, fmtFlops, fmtNumber, fmtPercent, fmtRatio, fmtSpread, markdownTable } from './format';

describe('number formatting', () => {
  it('three significant digits', () => {
    expect(fmtNumber(1234.4)).toBe('1234');
    expect(fmtNumber(123.44)).toBe('123');
    expect(fmtNumber(12.345)).toBe('12.3');
    expect(fmtNumber(1.2345)).toBe('1.23');
    expect(fmtNumber(0.2912)).toBe('0.29');
    expect(fmtNumber(0)).toBe('0');
    expect(fmtNumber(Number.NaN)).toBe('–');
  });
  it('spreads, ratios and percentages', () => {
    expect(fmtSpread({ median: 8.04, min: 7.5, max: 9.81, n: 5 }, 'ms')).toBe('8.04 ms [7.50–9.81]');
    expect(fmtSpread({ median: 8, min: 8, max: 8, n: 1 }, 'ms')).toBe('8.00 ms');
    expect(fmtRatio({ median: 0.291, min: 0.25, max: 0.334, n: 7 })).toBe('0.29× [0.25–0.33]');
    expect(fmtPercent({ median: 38.2, min: -2.5, max: 45, n: 3 })).toBe('+38.2 % [−2.50 … +45.0]');
    expect(fmtPercent({ median: 12, min: 12, max: 12, n: 1 })).toBe('+12.0 %');
  });
  it('FLOPs', () => {
    expect(fmtFlops(61_521_920)).toBe('61.5 MFLOP');
    expect(fmtFlops(2 * 1024 ** 3)).toBe('2.15 GFLOP');
  });
});

describe('markdownTable', () => {
  it('escapes pipes and pads short rows', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1'], ['z']])).toBe('| a | b |\n|---|---|\n| x\\|y | 1 |\n| z |  |');
  });
});

describe('assetName', () => {
  it('strips the folder, the query and a bundler hash', () => {
    expect(assetName('http://x/assets/ort-wasm-simd-threaded.asyncify-CxOG5pUO.wasm')).toBe('ort-wasm-simd-threaded.asyncify.wasm');
    expect(assetName('/node_modules/a/dist/ort-wasm-simd-threaded.asyncify.wasm?import')).toBe('ort-wasm-simd-threaded.asyncify.wasm');
    expect(assetName('http://x/a/ort-wasm-simd-threaded.jsep.wasm')).toBe('ort-wasm-simd-threaded.jsep.wasm');
  });
});
