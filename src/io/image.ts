/** A decoded RGBA image with no DOM dependency, so image code runs in Node and in workers alike. */
export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** Image formats every browser Loupe supports decodes natively. */
export const IMAGE_TYPES: Record<string, string> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
  'image/gif': 'GIF',
  'image/bmp': 'BMP',
};

const EXTENSIONS: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', jfif: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', bmp: 'image/bmp' };

export type FileVerdict = { ok: true; mime: string } | { ok: false; reason: string };

/** Decides from name and MIME type whether a file is worth decoding as an image (content is checked by decoding). */
export function classifyImageFile(name: string, mime: string): FileVerdict {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  const type = mime || EXTENSIONS[ext] || '';
  if (IMAGE_TYPES[type]) return { ok: true, mime: type };
  const what = mime ? `a ${mime} file` : ext && ext !== name.toLowerCase() ? `a .${ext} file` : 'a file of unknown type';
  return { ok: false, reason: `“${name}” is ${what}, not a JPEG, PNG, WebP, GIF or BMP image.` };
}

/** Picks the first file from a drop or paste, preferring images. */
export function firstFile(files: ArrayLike<File> | null | undefined): File | undefined {
  if (!files || files.length === 0) return undefined;
  const list = Array.from(files);
  return list.find((f) => classifyImageFile(f.name, f.type).ok) ?? list[0];
}

/** A medical scan by its name (DICOM, NIfTI), e.g. dropped on the Faces tab by mistake: offered to the scan tabs. */
export function isScanFile(name: string): boolean {
  return /\.(dcm|dicom|ima|nii|nii\.gz)$/i.test(name);
}
