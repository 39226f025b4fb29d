import { describe, expect, it } from 'vitest';
import { ITEM_IDS, ITEMS, MARK_BEGIN, MARK_END, counts, itemTableRows, markdownReport, overhead, ratio, spliceGenerated, type BenchReport, type ItemResult } from './report';
import { ratioSpread, spread } from './stats';

const faces: ItemResult = {
  id: 'faces-mediapipe',
  status: 'ok',
  reps: 3,
  ms: 12_000,
  facts: { ours: 'onnxruntime-web 1.30.0' },
  rows: [
    {
      measure: 'latency p50',
      a: { label: 'ours', unit: 'ms', value: spread([9, 10, 11]) },
      b: { label: 'MediaPipe', unit: 'ms', value: spread([30, 29, 33]) },
      ratio: { definition: 'ours ÷ MediaPipe', kind: '×', value: ratioSpread([9, 10, 11], [30, 29, 33]), perRep: [0.3, 10 / 29, 1 / 3] },
    },
    { measure: 'agreement', note: 'mean IoU 0.91 over 60 matched faces' },
  ],
};

const report: BenchReport = {
  schema: 1,
  date: '2025-11-28T00:00:00.000Z',
  mode: 'full',
  settings: { reps: 3, frames: 20, items: ['faces-mediapipe', 'mri'] },
  machine: { userAgent: 'UA', hardwareConcurrency: 2, crossOriginIsolated: true, cpus: 2, cpuModel: 'Test CPU', browser: 'Chromium 156' },
  versions: { 'onnxruntime-web': '1.30.0' },
  items: [faces, { id: 'mri', status: 'skipped', reason: 'model missing', reps: 0, rows: [], facts: {}, ms: 5 }],
  ms: 61_000,
};

describe('ratio rows', () => {
  it('keep the per-repetition values next to their summary', () => {
    expect(ratio('a ÷ b', [10, 30, 12], [20, 40, 24])).toEqual({ definition: 'a ÷ b', kind: '×', value: { median: 0.5, min: 0.5, max: 0.75, n: 3 }, perRep: [0.5, 0.75, 0.5] });
    const o = overhead('ours ÷ bare − 1', [15, 11], [10, 10]);
    expect(o.kind).toBe('%');
    expect(o.perRep[0]).toBeCloseTo(50, 10);
    expect(o.perRep[1]).toBeCloseTo(10, 10);
    expect(o.value.median).toBeCloseTo(30, 10);
  });
});

describe('report', () => {
  it('describes every item', () => {
    for (const id of ITEM_IDS) expect(ITEMS[id].meaning.length).toBeGreaterThan(50);
  });
  it('has the chat and CT items', () => {
    expect(ITEM_IDS).toContain('ct');
    expect(ITEM_IDS).toContain('chat');
    expect(ITEMS.chat.title).toBe('Chat: Loupe vs Transformers.js');
    const md = markdownReport({ ...report, items: [{ id: 'ct', status: 'skipped', reason: 'model missing (models/ct/ucadi-densenet/ is not served)', reps: 0, rows: [], facts: {}, ms: 3 }] });
    expect(md).toContain('### Chest CT: volume latency');
    expect(md).toContain('**skipped**: model missing (models/ct/ucadi-densenet/ is not served)');
  });
  it('renders a row per measure with the per-repetition ratio spread', () => {
    expect(itemTableRows(faces)).toEqual([
      ['latency p50', 'ours: 10.0 ms [9.00–11.0]', 'MediaPipe: 30.0 ms [29.0–33.0]', '0.33× [0.30–0.34]', 'ours ÷ MediaPipe'],
      ['agreement', '', '', 'mean IoU 0.91 over 60 matched faces', ''],
    ]);
  });
  it('counts and renders skipped items with their reason, and no pending list', () => {
    expect(counts(report)).toEqual({ ok: 1, skipped: 1, failed: 0 });
    const md = markdownReport(report);
    expect(md).toContain('3 repetitions, 20 frames per repetition (faces); 1 items measured, 1 skipped, 0 failed');
    expect(md).toContain('Test CPU, 2 logical cores');
    expect(md).toContain('**skipped**: model missing');
    expect(md).not.toContain('Not measured yet');
    expect(md).not.toContain('pending');
    expect(md).toContain('| latency p50 | ours: 10.0 ms [9.00–11.0] |');
  });
  it('replaces only the generated block of a document', () => {
    const doc = `# Benchmarks\n\nintro\n\n${MARK_BEGIN}\nold\n${MARK_END}\n\nfooter\n`;
    expect(spliceGenerated(doc, 'new')).toBe(`# Benchmarks\n\nintro\n\n${MARK_BEGIN}\nnew\n${MARK_END}\n\nfooter\n`);
    expect(spliceGenerated('# B\n', 'x')).toBe(`# B\n\n${MARK_BEGIN}\nx\n${MARK_END}\n`);
  });
});
