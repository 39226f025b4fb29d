import { describe, expect, it } from 'vitest';
import { directionAt, labelsOnSource } from './postprocess';
import { sliceGrid } from './preprocess';
import { sampleBilinear, sourceToModel } from './grid';

function logitsFor(labelOf: (u: number, v: number) => number, size = 128): Float32Array {
  const plane = size * size;
  const logits = new Float32Array(4 * plane);
  for (let v = 0; v < size; v++) for (let u = 0; u < size; u++) logits[labelOf(u, v) * plane + v * size + u] = 5;
  return logits;
}

describe('labelsOnSource', () => {
  it('maps the model-grid labels back to the source grid at the source spacing', () => {
    // LV disc of radius 20 model px (30 mm) at the centre; source at 0.75 mm/px → radius 40 px.
    const g = sliceGrid(200, 160, 0.75, 0.75);
    const labels = labelsOnSource(logitsFor((u, v) => ((u + 0.5 - 64) ** 2 + (v + 0.5 - 64) ** 2 < 400 ? 3 : 0)), g);
    expect(labels.length).toBe(200 * 160);
    expect(labels[80 * 200 + 100]).toBe(3);
    expect(labels[80 * 200 + 100 + 38]).toBe(3);
    expect(labels[80 * 200 + 100 + 42]).toBe(0);
    const area = labels.reduce((n, l) => n + (l === 3 ? 1 : 0), 0);
    expect(area).toBeGreaterThan(Math.PI * 40 * 40 * 0.95);
    expect(area).toBeLessThan(Math.PI * 40 * 40 * 1.05);
  });

  it('labels everything outside the crop as background', () => {
    // 400 px of 1 mm: the 192 mm crop covers x in [104, 296).
    const g = sliceGrid(400, 10, 1, 1);
    const labels = labelsOnSource(logitsFor(() => 1), g);
    expect(labels[5 * 400 + 103]).toBe(0);
    expect(labels[5 * 400 + 105]).toBe(1);
    expect(labels[5 * 400 + 295]).toBe(1);
    expect(labels[5 * 400 + 297]).toBe(0);
  });

  it('gives exactly the per-pixel bilinear arg-max (random logits, off-centre anisotropic grid)', () => {
    const g = sliceGrid(150, 90, 1.3, 0.9, { spacingMm: 1.5, cropSize: 32 }, 60.3, 40.7);
    const plane = 32 * 32;
    let s = 7;
    const logits = Float32Array.from({ length: 4 * plane }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2);
    const expected = new Uint8Array(150 * 90);
    for (let y = 0; y < 90; y++) {
      for (let x = 0; x < 150; x++) {
        const [u, v] = sourceToModel(g, x, y);
        if (u < -0.5 || v < -0.5 || u > 31.5 || v > 31.5) continue;
        const values = [0, 1, 2, 3].map((c) => sampleBilinear(logits.subarray(c * plane, (c + 1) * plane), 32, 32, u, v, -Infinity));
        expected[y * 150 + x] = values.indexOf(Math.max(...values));
      }
    }
    expect(Array.from(labelsOnSource(logits, g))).toEqual(Array.from(expected));
  });

  it('rejects logits of the wrong size', () => {
    expect(() => labelsOnSource(new Float32Array(10), sliceGrid(4, 4, 1, 1))).toThrow(RangeError);
  });
});

describe('directionAt', () => {
  it('scales model-pixel vectors to source pixels', () => {
    const df = new Float32Array(2 * 128 * 128);
    df.fill(1, 0, 128 * 128); // x = 1 model px everywhere, y = 0
    const [dx, dy] = directionAt(df, sliceGrid(256, 256, 0.75, 0.75), 128, 128);
    expect(dx).toBeCloseTo(2, 10);
    expect(dy).toBe(0);
  });
});
