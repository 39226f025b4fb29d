import { CLASS_COUNT } from './postprocess';

/** Myocardial tissue density (g/mL), as used for LV mass. */
export const MYOCARDIUM_DENSITY = 1.05;

export type Structure = 'RV' | 'MYO' | 'LV';
export const STRUCTURES: Structure[] = ['RV', 'MYO', 'LV'];
const LABEL: Record<Structure, number> = { RV: 1, MYO: 2, LV: 3 };

export type PerStructure = Record<Structure, number>;

/** Pixels of each label in a label map. */
export function countLabels(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(CLASS_COUNT).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/** Area of each structure in one slice, mm². */
export function sliceAreasMm2(labels: ArrayLike<number>, dxMm: number, dyMm: number): PerStructure {
  const counts = countLabels(labels);
  const px = dxMm * dyMm;
  return { RV: counts[LABEL.RV] * px, MYO: counts[LABEL.MYO] * px, LV: counts[LABEL.LV] * px };
}

/** Volume of each structure from per-slice areas (mm²) and the slice spacing (mm): Σ area × spacing, in mL. */
export function volumesMl(areas: PerStructure[], sliceSpacingMm: number): PerStructure {
  const sum = (s: Structure) => areas.reduce((acc, a) => acc + a[s], 0) * sliceSpacingMm / 1000;
  return { RV: sum('RV'), MYO: sum('MYO'), LV: sum('LV') };
}

export interface CardiacFunction {
  edvMl: number;
  esvMl: number;
  /** Stroke volume, mL. */
  svMl: number;
  /** Ejection fraction in %: (EDV − ESV) / EDV. */
  efPercent: number;
  /** Myocardial mass at end-diastole: MYO volume × 1.05 g/mL. */
  massG: number;
}

/** LV function from the volumes at the end-diastolic and end-systolic frames. */
export function cardiacFunction(ed: PerStructure, es: PerStructure, structure: 'LV' | 'RV' = 'LV'): CardiacFunction {
  const edv = ed[structure];
  const esv = es[structure];
  return { edvMl: edv, esvMl: esv, svMl: edv - esv, efPercent: edv > 0 ? ((edv - esv) / edv) * 100 : 0, massG: ed.MYO * MYOCARDIUM_DENSITY };
}

/** End-diastole = the frame with the largest LV volume, end-systole = the smallest. */
export function suggestEdEs(lvVolumesMl: number[]): { ed: number; es: number } {
  let ed = 0;
  let es = 0;
  lvVolumesMl.forEach((v, i) => {
    if (v > lvVolumesMl[ed]) ed = i;
    if (v < lvVolumesMl[es]) es = i;
  });
  return { ed, es };
}

/** Dice overlap of one label between two label maps: 2|A∩B| / (|A| + |B|); 1 when both are empty. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>, label: number): number {
  let inA = 0;
  let inB = 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) {
    const pa = a[i] === label;
    const pb = b[i] === label;
    if (pa) inA++;
    if (pb) inB++;
    if (pa && pb) both++;
  }
  return inA + inB === 0 ? 1 : (2 * both) / (inA + inB);
}
