import { gunzipSync } from 'fflate';
import { LoupeError } from '../errors';
import { readAnalyzePair } from './analyze';
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
/** The halves of an ANALYZE 7.5 (or NIfTI-1 pair) volume, after `gunzipped` has dropped any `.gz`. */
const PAIR = /\.(hdr|img)$/i;

/** What the scan pickers offer: NIfTI, ANALYZE pairs, DICOM, slice images (DICOM files often have no extension: a folder picker takes them). */
export const SCAN_ACCEPT = '.nii,.gz,.hdr,.img,.dcm,application/dicom,image/png,image/jpeg';

export type VolumeKind = 'nifti' | 'analyze' | 'images' | 'dicom';

const base = (name: string) => name.split('/').pop()!;
const stem = (name: string) => name.replace(PAIR, '').toLowerCase();

/**
 * Which reader a set of dropped or given files needs: one NIfTI, one .hdr/.img pair, a stack of images, or DICOM
 * (which also takes files without a "DICM" header). Decided by name only, here and nowhere else; the readers then
 * check the bytes.
 */
export function volumeKind(names: string[]): VolumeKind {
  if (names.length === 0) throw new LoupeError('UNSUPPORTED_FILE', 'no files were given');
  const nifti = names.filter((n) => NIFTI.test(n));
  if (nifti.length > 1) throw new LoupeError('UNSUPPORTED_FILE', `${nifti.length} NIfTI files were given (${nifti.slice(0, 3).join(', ')}…): open one volume at a time`);
  if (nifti.length === 1) return 'nifti';
  if (names.some((n) => PAIR.test(n))) {
    analyzePair(names);
    return 'analyze';
  }
  if (names.every((n) => classifyImageFile(n, '').ok)) return 'images';
  return 'dicom';
}

/** The header and image names of the one .hdr/.img pair among `names`; a missing half is named in the error. */
export function analyzePair(names: string[]): { hdr: string; img: string } {
  const hdrs = names.filter((n) => /\.hdr$/i.test(n));
  const imgs = names.filter((n) => /\.img$/i.test(n));
  if (hdrs.length > 1 || imgs.length > 1)
    throw new LoupeError('UNSUPPORTED_FILE', `${Math.max(hdrs.length, imgs.length)} .hdr/.img pairs were given (${[...hdrs, ...imgs].slice(0, 4).map(base).join(', ')}…): open one volume at a time`);
  const [hdr] = hdrs;
  const [img] = imgs;
  if (hdr && img && stem(hdr) === stem(img)) return { hdr, img };
  const missing = (given: string, other: string, what: string) =>
    new LoupeError(
      'INCOMPLETE_PAIR',
      `${base(given)} is ${what} of an ANALYZE 7.5 / NIfTI .hdr/.img pair, but ${base(given).replace(PAIR, other)} was not given${
        hdr && img ? ` (${base(hdr)} and ${base(img)} are not one pair)` : ''
      }: drop or pick both files together`,
    );
  if (hdr) throw missing(hdr, '.img', 'the header');
  throw missing(img!, '.hdr', 'the voxel data');
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
 * Reads a NIfTI file, an ANALYZE .hdr/.img pair, a DICOM series (one or many files), or a stack of slice images into a `Volume`.
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
  if (kind === 'analyze') {
    const { hdr, img } = analyzePair(files.map((f) => f.name));
    return readAnalyzePair(files.find((f) => f.name === hdr)!, files.find((f) => f.name === img)!);
  }
  if (kind === 'images') {
    const images = await Promise.all(files.map(async (f) => ({ name: f.name, image: await decodeImage(f) })));
    return volumeFromImages(images, imageSpacingMm);
  }
  return readDicomSeries(files);
}
