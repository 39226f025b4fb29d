import sharp from 'sharp';
import { basename } from 'node:path';
import { LoupeError } from '../src/runtime/errors';
import { loadModelFromDisk } from '../src/runtime/node';
import { ModelCache } from '../src/runtime/session';
import type { FaceModelId } from '../src/tasks/face/core/models';
import { detectFaces, type DetectOptions } from '../src/tasks/face/core/pipeline';
import type { Face, RgbaImage } from '../src/tasks/face/core/types';
import { faceRunner } from '../src/tasks/face/runner';

export interface FaceFileResult {
  file: string;
  width: number;
  height: number;
  faces: Face[];
}

/** Decodes any format sharp reads (JPEG, PNG, WebP, GIF, BMP…) to RGBA, EXIF orientation applied. */
export async function readRgba(file: string): Promise<RgbaImage> {
  try {
    const { data, info } = await sharp(file).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    const message = (error as Error).message;
    const code = /unsupported image format|Input file is missing/i.test(message) ? 'UNSUPPORTED_FILE' : 'CORRUPT_IMAGE';
    throw new LoupeError(code, `${basename(file)}: ${message}`);
  }
}

const models = new ModelCache();
const run = faceRunner((id: FaceModelId) => models.get(id, 'wasm', () => loadModelFromDisk('face', id)));

/** Runs the studio's face pipeline on image files; per-file failures are collected, not thrown. */
export async function detectFacesInFiles(files: string[], options: DetectOptions) {
  const results: FaceFileResult[] = [];
  const errors: { file: string; error: unknown }[] = [];
  for (const file of files) {
    try {
      const image = await readRgba(file);
      const { faces } = await detectFaces(image, run, options);
      results.push({ file, width: image.width, height: image.height, faces });
    } catch (error) {
      errors.push({ file, error });
    }
  }
  return { results, errors };
}
