// The real Sunnybrook LV slices in ../shared/data/sunnybrook (PNG images and LV endocardium masks), as the scripts
// that measure the MRI model read them: each slice a one-slice volume at the assumed 1.37 mm, its mask as LV labels.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRgba } from '../cli/io';
import type { Volume } from '../src/io/volume';

export const SUNNYBROOK_DIR = join(import.meta.dirname, '..', '..', 'shared', 'data', 'sunnybrook');

export interface SunnybrookSlice {
  file: string;
  /** training/mri/sunnybrook.py numbers the patients 1–10 in name order; 1–7 fine-tuned the model, 8–10 never seen. */
  heldOut: boolean;
  volume: Volume;
  /** 3 (LV) inside the endocardium mask, 0 elsewhere. */
  truth: Uint8Array;
}

export async function sunnybrookSlices(root = SUNNYBROOK_DIR): Promise<SunnybrookSlice[]> {
  const files = readdirSync(join(root, 'images')).sort();
  const patientOf = (f: string) => f.replace(/-IM-.*$/, '');
  const patients = [...new Set(files.map(patientOf))].sort();
  return Promise.all(
    files.map(async (file) => {
      const image = await readRgba(join(root, 'images', file));
      const mask = await readRgba(join(root, 'labels_lv_endo', file));
      const n = image.width * image.height;
      return {
        file,
        heldOut: patients.indexOf(patientOf(file)) >= 7,
        volume: { data: Float32Array.from({ length: n }, (_, i) => image.data[i * 4]), dims: [image.width, image.height, 1, 1], spacingMm: [1.37, 1.37, 8], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], source: { format: 'image', name: file } },
        truth: Uint8Array.from({ length: n }, (_, i) => (mask.data[i * 4] > 127 ? 3 : 0)),
      };
    }),
  );
}
