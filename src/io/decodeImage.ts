import { LoupeError } from '../errors';
import type { RgbaImage } from './image';
import { readVolume, type NamedBytes } from './readVolume';
import { shareable, type Volume } from './volume';

/** Image bytes → RGBA in the browser (main thread or worker): createImageBitmap + OffscreenCanvas. */
export async function decodeImageBytes({ name, bytes }: NamedBytes): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch (error) {
    throw new LoupeError('CORRUPT_IMAGE', `“${name}”: ${(error as Error).message}`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { data, width, height };
}

/** The files of a drop or picker as named bytes, folder-relative names, in natural order. */
export async function readFiles(files: { name: string; file: File }[]): Promise<NamedBytes[]> {
  return Promise.all(files.map(async ({ name, file }) => ({ name, bytes: new Uint8Array(await file.arrayBuffer()) })));
}

/** Dropped or picked files → one volume, in the browser or a worker (NIfTI, a DICOM series or slice images), in shared memory when it can be. */
export async function readDroppedVolume(files: { name: string; file: File }[]): Promise<Volume> {
  return shareable(await readVolume(await readFiles(files), decodeImageBytes));
}
