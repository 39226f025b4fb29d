import { describe, expect, it } from 'vitest';
import { cardiacFunction, dice, sliceAreasMm2, suggestEdEs, volumesMl } from './measures';

describe('cardiac measures', () => {
  it('areas count pixels × pixel area per structure', () => {
    const labels = [0, 1, 1, 2, 3, 3, 3, 0];
    expect(sliceAreasMm2(labels, 1.5, 2)).toEqual({ RV: 6, MYO: 3, LV: 9 });
  });

  it('volumes sum areas × slice spacing, in mL', () => {
    const areas = [
      { RV: 1000, MYO: 800, LV: 1200 },
      { RV: 500, MYO: 700, LV: 900 },
    ];
    expect(volumesMl(areas, 10)).toEqual({ RV: 15, MYO: 15, LV: 21 });
  });

  it('EF, stroke volume and mass from ED and ES volumes', () => {
    const f = cardiacFunction({ RV: 150, MYO: 100, LV: 120 }, { RV: 70, MYO: 105, LV: 48 });
    expect(f).toEqual({ edvMl: 120, esvMl: 48, svMl: 72, efPercent: 60, massG: 105 });
    expect(cardiacFunction({ RV: 150, MYO: 100, LV: 120 }, { RV: 90, MYO: 105, LV: 48 }, 'RV').efPercent).toBe(40);
    expect(cardiacFunction({ RV: 0, MYO: 0, LV: 0 }, { RV: 0, MYO: 0, LV: 0 }).efPercent).toBe(0);
  });

  it('suggests ED at the largest and ES at the smallest LV volume', () => {
    expect(suggestEdEs([110, 130, 90, 60, 75, 101])).toEqual({ ed: 1, es: 3 });
    expect(suggestEdEs([50])).toEqual({ ed: 0, es: 0 });
  });

  it('Dice: 2|A∩B| / (|A|+|B|)', () => {
    expect(dice([3, 3, 3, 0], [3, 3, 0, 0], 3)).toBeCloseTo(0.8, 12);
    expect(dice([0, 0], [0, 0], 3)).toBe(1);
    expect(dice([3, 0], [0, 3], 3)).toBe(0);
  });
});
