import { describe, expect, it } from 'vitest';
import { coldMeasure, coldRows, isColdTask, type ColdResult } from './cold';

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

describe('cold tasks', () => {
  it('knows the four probes and names what each measures', () => {
    expect(['face', 'mri', 'ct', 'chat'].every(isColdTask)).toBe(true);
    expect(isColdTask('cardiac')).toBe(false);
    expect(isColdTask(undefined)).toBe(false);
    expect(coldMeasure('face')).toBe('faces: a photo, navigation → first result');
    expect(coldMeasure('mri')).toBe('MRI: a 10-slice volume, navigation → first result');
    expect(coldMeasure('ct')).toBe('CT: a 16×128×128 HU volume, navigation → first classification');
    expect(coldMeasure('chat')).toBe('chat: "What does car mean?" to the default model, navigation → first answer token');
  });

  it('labels chat rows by task', () => {
    const chat = (ms: number): ColdResult => ({ task: 'chat', ok: true, firstResultMs: ms, domContentLoadedMs: 50, files: { 'model.onnx': 'download' } });
    const rows = coldRows('chat', [chat(1000)], [chat(400)], 'first visit');
    expect(rows[0].measure).toBe(coldMeasure('chat'));
    expect(rows[0].ratio!.perRep).toEqual([0.4]);
    expect(rows[1].measure).toBe('chat: how files arrived, first visit');
  });
});
