import { describe, expect, it } from 'vitest';
import type { Volume } from '../../../io/volume';
import { checkCtInput, lungVoxels } from './refuse';

/** A chest-like volume: body (0 HU) in an air background (−1000), two lungs (−850) inside the body. */
function chest(nz = 36, n = 128, spacing: [number, number, number] = [2.8, 2.8, 7.5], source: Volume['source'] = { format: 'dicom', name: 'chest', modality: 'CT' }): Volume {
  const data = new Float32Array(n * n * nz).fill(-1000);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const i = z * n * n + y * n + x;
        if (Math.hypot((x - n / 2) / (0.45 * n), (y - n / 2) / (0.35 * n)) < 1) data[i] = 0;
        if (Math.hypot(x - n * 0.32, y - n / 2) < n * 0.12 || Math.hypot(x - n * 0.68, y - n / 2) < n * 0.12) data[i] = -850;
      }
    }
  }
  return { data, dims: [n, n, nz, 1], spacingMm: spacing, affine: [], source };
}

describe('lungVoxels', () => {
  it('counts enclosed air, not the air around the body', () => {
    const v = chest(1, 64);
    const n = lungVoxels(v.data, 64, 64);
    expect(n).toBeGreaterThan(2 * Math.PI * (64 * 0.12) ** 2 * 0.8);
    expect(n).toBeLessThan(2 * Math.PI * (64 * 0.12) ** 2 * 1.2);
  });
});

describe('checkCtInput', () => {
  it('accepts a chest CT covering the lungs', () => {
    expect(checkCtInput(chest())).toBeUndefined();
  });

  it('refuses another modality, colour pictures, and grey images unless marked as lung-windowed CT', () => {
    expect(checkCtInput(chest(36, 128, [2.8, 2.8, 7.5], { format: 'dicom', name: 'x', modality: 'MR' }))).toMatchObject({ code: 'NOT_CT', reason: expect.stringMatching(/DICOM MR series/) });
    expect(checkCtInput(chest(36, 128, [1, 1, 1], { format: 'image', name: 'astronaut.png', colour: true }), { windowedSlices: true })?.code).toBe('COLOUR_IMAGE');
    const grey = chest(36, 128, [1, 1, 1], { format: 'image', name: '36 files' });
    expect(checkCtInput(grey)?.code).toBe('NOT_HU');
    expect(checkCtInput(grey, { windowedSlices: true })).toBeUndefined();
  });

  it('says how many slices and how much coverage the model needs, and finds no lungs in a brain', () => {
    expect(checkCtInput(chest(1))).toMatchObject({ code: 'TOO_FEW_SLICES', reason: expect.stringMatching(/it has 1 slice; .* at least 16/) });
    expect(checkCtInput(chest(20, 128, [2.8, 2.8, 2]))).toMatchObject({ code: 'COVERAGE', reason: expect.stringMatching(/cover 40 mm/) });
    const brain = chest();
    brain.data.fill(300);
    expect(checkCtInput(brain)?.code).toBe('NO_LUNGS');
  });
});
