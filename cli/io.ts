// The CLI's file reading: images through sharp, folders as named bytes, and a path (file or folder) as one volume.
import sharp from 'sharp';
import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { LoupeError } from '../src/errors';
import type { RgbaImage } from '../src/io/image';
import { readVolume, type NamedBytes } from '../src/io/readVolume';
import type { Volume } from '../src/io/volume';

/** Decodes any format sharp reads (JPEG, PNG, WebP, GIF, BMP…) to RGBA, EXIF orientation applied. */
export async function readRgba(file: string | Uint8Array, name = typeof file === 'string' ? basename(file) : 'image'): Promise<RgbaImage> {
  try {
    const { data, info } = await sharp(file).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    const message = (error as Error).message;
    const code = /unsupported image format|Input file is missing/i.test(message) ? 'UNSUPPORTED_FILE' : 'CORRUPT_IMAGE';
    throw new LoupeError(code, `${name}: ${message}`);
  }
}

/** Every file under `dir` (sub-folders included), named relative to `root`. */
export async function filesUnder(dir: string, root = dir): Promise<NamedBytes[]> {
  const out: NamedBytes[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path, root)));
    else if (entry.isFile()) out.push({ name: relative(root, path), bytes: new Uint8Array(await readFile(path)) });
  }
  return out;
}

/** The other half of an ANALYZE/NIfTI `.hdr`/`.img` pair next to `file` (either case, gzipped or not), if there is one. */
function pairPartner(file: string): string | undefined {
  const m = /^(.*)\.(hdr|img)(\.gz)?$/i.exec(basename(file));
  if (!m) return undefined;
  const other = m[2].toLowerCase() === 'hdr' ? ['img', 'IMG'] : ['hdr', 'HDR'];
  return other.flatMap((ext) => ['', '.gz'].map((gz) => join(dirname(file), `${m[1]}.${ext}${gz}`))).find((p) => existsSync(p));
}

/** A NIfTI file, an ANALYZE .hdr/.img pair (either half names it), a DICOM file or folder, or a folder of slice images, as one volume (the studio's reader). */
export async function readVolumeAt(input: string): Promise<Volume> {
  const partner = pairPartner(input);
  const paths = partner ? [input, partner] : [input];
  const files = (await stat(input)).isDirectory()
    ? await filesUnder(input)
    : await Promise.all(paths.map(async (p) => ({ name: basename(p), bytes: new Uint8Array(await readFile(p)) })));
  return readVolume(files, (f) => readRgba(f.bytes, f.name));
}
