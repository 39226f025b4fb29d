import { describe, expect, it } from 'vitest';
import { CT_PHANTOM_HU, ctPhantomHu } from './ctPhantom';

describe('CT phantom', () => {
  it('is a 16×128×128 chest in HU: air outside, lungs, soft tissue and spine where expected', () => {
    const v = ctPhantomHu();
    expect(v.length).toBe(16 * 128 * 128);
    const at = (x: number, y: number, z: number) => v[(z * 128 + y) * 128 + x];
    const near = (value: number, hu: number) => expect(Math.abs(value - hu)).toBeLessThanOrEqual(20);
    near(at(0, 0, 0), CT_PHANTOM_HU.air);
    near(at(Math.round(128 * 0.3), Math.round(128 * 0.48), 8), CT_PHANTOM_HU.lung);
    near(at(64, 40, 8), CT_PHANTOM_HU.softTissue);
    near(at(64, Math.round(128 * 0.76), 8), CT_PHANTOM_HU.bone);
  });
  it('is deterministic for a seed', () => {
    expect(ctPhantomHu({ nx: 16, ny: 16, nz: 2, seed: 3 })).toEqual(ctPhantomHu({ nx: 16, ny: 16, nz: 2, seed: 3 }));
    expect(ctPhantomHu({ nx: 16, ny: 16, nz: 2, seed: 3 })).not.toEqual(ctPhantomHu({ nx: 16, ny: 16, nz: 2, seed: 4 }));
  });
});
