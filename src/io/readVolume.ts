import { gunzipSync } from 'fflate';
import { LoupeError } from '../errors';
import { readDicomSeries } from './dicom';
import { classifyImageFile, type RgbaImage } from './image';
import { readNifti } from './nifti';
import { volumeFromImages } from './slices';
import type { Volume } from './volume';

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

const NIFTI = /\.nii(\.gz)?$/i;

/** What the scan pickers offer: NIfTI, DICOM, slice images (DICOM files often have no extension: a folder picker takes them). */
export const SCAN_ACCEPT = '.nii,.gz,.dcm,application/dicom,image/png,image/jpeg';

export type VolumeKind = 'nifti' | 'images' | 'dicom';

/** Which reader a set of dropped or given files needs: one NIfTI, a stack of images, or DICOM. */
export function volumeKind(names: string[]): VolumeKind {
  if (names.length === 0) throw new LoupeError('UNSUPPORTED_FILE', 'no files were given');
  const nifti = names.filter((n) => NIFTI.test(n));
  if (nifti.length > 1) throw new LoupeError('UNSUPPORTED_FILE', `${nifti.length} NIfTI files were given (${nifti.slice(0, 3).join(', ')}…): open one volume at a time`);
  if (nifti.length === 1) return 'nifti';
  if (names.every((n) => classifyImageFile(n, '').ok)) return 'images';
  return 'dicom';
}

/** A gzipped DICOM (`.dcm.gz`, or any `.gz` that is not NIfTI, whose reader inflates it itself) inflated, `.gz` dropped. */
export function gunzipped(file: NamedBytes): NamedBytes {
  if (!/\.gz$/i.test(file.name) || NIFTI.test(file.name)) return file;
  try {
    return { name: file.name.replace(/\.gz$/i, ''), bytes: gunzipSync(file.bytes) };
  } catch (error) {
    throw new LoupeError('CORRUPT_VOLUME', `${file.name}: not a valid gzip file (${(error as Error).message})`);
  }
}

/**
 * Reads a NIfTI file, a DICOM series (one or many files), or a stack of slice images into a `Volume`.
 * `decodeImage` turns image bytes into RGBA (createImageBitmap in the browser, sharp in Node).
 */
export async function readVolume(given: NamedBytes[], decodeImage: (file: NamedBytes) => Promise<RgbaImage>, imageSpacingMm?: [number, number, number]): Promise<Volume> {
  const empty = given.filter((f) => f.bytes.byteLength === 0);
  if (empty.length) throw new LoupeError('EMPTY_FILE', `${empty.map((f) => f.name).join(', ')}: 0 bytes`);
  const files = given.map(gunzipped);
  const kind = volumeKind(files.map((f) => f.name));
  if (kind === 'nifti') {
    const file = files.find((f) => NIFTI.test(f.name))!;
    return readNifti(file.bytes, file.name);
  }
  if (kind === 'images') {
    const images = await Promise.all(files.map(async (f) => ({ name: f.name, image: await decodeImage(f) })));
    return volumeFromImages(images, imageSpacingMm);
  }
  return readDicomSeries(files);
}
