import { describe, expect, it } from 'vitest';
import { softmax } from '../../../core/math';
import { addCamToVolume, camPeak, classifyVolume } from './classify';

describe('classifyVolume', () => {
  it('averages the class probabilities of the samplings and names the top class', async () => {
    const dims: [number, number, number] = [8, 8, 100];
    const answers = [
      [0, 3, 0, 0],
      [0, 1, 2, 0],
      [0, 3, 0, 0],
    ];
    let call = 0;
    const progress: number[] = [];
    const result = await classifyVolume(new Float32Array(8 * 8 * 100), dims, async () => ({ logits: Float32Array.from(answers[call++]) }), { samplings: 3, onProgress: (d) => progress.push(d) });
    expect(call).toBe(3);
    expect(progress).toEqual([1, 2, 3]);
    const expected = [0, 1, 2].map((k) => softmax(answers[k])).reduce((acc, p) => acc.map((v, i) => v + p[i] / 3), [0, 0, 0, 0]);
    expect(result.probabilities.covid19).toBeCloseTo(expected[1], 12);
    expect(result.top).toBe('covid19');
    expect(result.samplings).toBe(3);
  });

  it('runs identical samplings once (a short volume has only one)', async () => {
    let calls = 0;
    const result = await classifyVolume(new Float32Array(4 * 4 * 10), [4, 4, 10], async () => (calls++, { logits: Float32Array.from([5, 0, 0, 0]) }), { samplings: 3 });
    expect(calls).toBe(1);
    expect(result.top).toBe('healthy');
  });
});

describe('CAM back on the volume', () => {
  it('places a CAM hot spot on the slice and pixel it came from', () => {
    const [D, H, W] = [16, 128, 128];
    const sampled = new Float32Array(4 * D * H * W);
    // Class 1, output slice 8, around (96, 32): a 4×4 patch.
    for (let y = 30; y < 34; y++) for (let x = 94; x < 98; x++) sampled[1 * D * H * W + 8 * H * W + y * W + x] = 1;
    const dims: [number, number, number] = [64, 64, 40];
    const cam = [0, 1, 2, 3].map(() => new Float32Array(64 * 64 * 40));
    const coverage = new Float32Array(40);
    const indices = Array.from({ length: 16 }, (_, j) => 12 + j);
    addCamToVolume(sampled, indices, dims, cam, coverage);
    const [x, y, z] = camPeak(cam[1], dims);
    expect([Math.round(x / 2) * 2, Math.round(y / 2) * 2]).toEqual([48, 16]);
    expect(z).toBeGreaterThanOrEqual(19);
    expect(z).toBeLessThanOrEqual(20);
    expect(Array.from(coverage).filter((c) => c === 1).length).toBe(16);
  });
});
