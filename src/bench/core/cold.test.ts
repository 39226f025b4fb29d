import { describe, expect, it } from 'vitest';
import { coldRows, type ColdResult } from './cold';

const visit = (ms: number, how: 'cached' | 'download'): ColdResult => ({
  task: 'face',
  ok: true,
  firstResultMs: ms,
  domContentLoadedMs: 100,
  files: { 'ONNX Runtime (WASM)': how, 'BlazeFace short range (128×128)': how },
});

describe('coldRows', () => {
  it('pairs first and later visits per repetition', () => {
    const rows = coldRows('face', [visit(2000, 'download'), visit(3000, 'download')], [visit(500, 'cached'), visit(900, 'cached')], 'first visit (fresh profile)');
    expect(rows[0].ratio!.perRep).toEqual([0.25, 0.3]);
    expect(rows[0].ratio!.value).toEqual({ median: 0.275, min: 0.25, max: 0.3, n: 2 });
    expect(rows[0].a).toMatchObject({ label: 'first visit (fresh profile)', unit: 'ms', value: { median: 2500 } });
    expect(rows[1].note).toBe('ONNX Runtime (WASM): download, BlazeFace short range (128×128): download');
    expect(rows[2].note).toBe('ONNX Runtime (WASM): cached, BlazeFace short range (128×128): cached');
  });
});
