import { describe, expect, it } from 'vitest';
import { readNifti, writeNiftiLabels } from '../../io/nifti';
import { PHANTOM_LEVELS, phantomVolume, phantomVoxels } from './phantom';

describe('MRI phantom', () => {
  it('is a 10-slice 256×256 frame with blood pool, myocardium and background where expected', () => {
    const v = phantomVolume();
    expect(v.dims).toEqual([256, 256, 10, 1]);
    expect(v.data.length).toBe(256 * 256 * 10);
    const at = (x: number, y: number, z: number) => v.data[(z * 256 + y) * 256 + x];
    // LV centre (10 mm right of the image centre = 7 px at 1.4 mm), basal slice: blood, ±8 noise.
    expect(Math.abs(at(135, 128, 0) - PHANTOM_LEVELS.blood)).toBeLessThanOrEqual(8);
    // Corner: air.
    expect(at(0, 0, 0)).toBeLessThanOrEqual(PHANTOM_LEVELS.air + 8);
    // Myocardium ring at 30 mm from the LV centre on the basal slice (between 25 and 35 mm).
    expect(Math.abs(at(128 + 7 + Math.round(30 / 1.4), 128, 0) - PHANTOM_LEVELS.myocardium)).toBeLessThanOrEqual(8);
  });
  it('is deterministic for a seed', () => {
    expect(phantomVoxels({ nx: 32, ny: 32, nz: 2, seed: 3 })).toEqual(phantomVoxels({ nx: 32, ny: 32, nz: 2, seed: 3 }));
    expect(phantomVoxels({ nx: 32, ny: 32, nz: 2, seed: 3 })).not.toEqual(phantomVoxels({ nx: 32, ny: 32, nz: 2, seed: 4 }));
  });
  it('round-trips through a NIfTI file as the app reads it', () => {
    const v = phantomVolume({ nz: 3 });
    const bytes = writeNiftiLabels(phantomVoxels({ nz: 3 }), v, { gzip: false });
    const back = readNifti(bytes, 'phantom.nii');
    expect(back.dims).toEqual([256, 256, 3, 1]);
    expect(back.spacingMm.map((s) => Math.round(s * 100) / 100)).toEqual([1.4, 1.4, 8]);
    expect(Array.from(back.data.subarray(0, 1000))).toEqual(Array.from(v.data.subarray(0, 1000)));
  });
});
