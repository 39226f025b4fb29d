import { describe, expect, it } from 'vitest';
import { softmax } from './math';

describe('softmax', () => {
  it('is normalised and shift-invariant', () => {
    const p = softmax([1, 2, 3, 4]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[3]).toBeCloseTo(0.643914, 6);
    expect(softmax([1001, 1002, 1003, 1004])).toEqual(p);
  });

  it('is stable and gives -Infinity zero probability', () => {
    const p = softmax([0, Math.log(3), -Infinity]);
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
    expect(p[2]).toBe(0);
    expect(Array.from(softmax([1000, 1000]))).toEqual([0.5, 0.5]);
    expect(Array.from(softmax([-Infinity, -Infinity]))).toEqual([0, 0]);
    expect(softmax([])).toHaveLength(0);
  });
});
