/**
 * A volume from a stack of ordinary images (PNG/JPEG slices already decoded to RGBA by the caller). Pure.
 */
import { LoupeError } from '../errors';
import type { RgbaImage } from './image';
import type { Volume } from './volume';
import { scalingAffine } from './geometry';

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural file-name order: "slice2" < "slice10"; ties broken by plain code-unit order so the result is stable. */
export function naturalCompare(a: string, b: string): number {
  return natural.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Stacks greyscale slices (luminance 0.299 R + 0.587 G + 0.114 B; alpha ignored) in natural name order.
 * All images must have the same size. Spacing defaults to 1 mm (noted as unknown); the affine just scales.
 */
export function volumeFromImages(images: { name: string; image: RgbaImage }[], spacingMm?: [number, number, number]): Volume {
  if (images.length === 0) throw new LoupeError('UNSUPPORTED_FILE', 'no slice images were given');
  const sorted = [...images].sort((a, b) => naturalCompare(a.name, b.name));
  const { width, height } = sorted[0].image;
  if (!(width > 0 && height > 0)) throw new LoupeError('CORRUPT_IMAGE', `${sorted[0].name}: image is ${width}×${height} pixels`);
  for (const { name, image } of sorted) {
    if (image.width !== width || image.height !== height)
      throw new LoupeError(
        'INCONSISTENT_SERIES',
        `${name} is ${image.width}×${image.height} pixels but ${sorted[0].name} is ${width}×${height}: all slices of a stack must be the same size`,
      );
    if (image.data.length < width * height * 4)
      throw new LoupeError('CORRUPT_IMAGE', `${name}: ${image.data.length} bytes of RGBA for ${width}×${height} pixels (need ${width * height * 4})`);
  }
  const plane = width * height;
  const data = new Float32Array(plane * sorted.length);
  let coloured = 0;
  sorted.forEach(({ image }, z) => {
    const px = image.data;
    const base = z * plane;
    for (let i = 0; i < plane; i++) {
      const r = px[i * 4];
      const g = px[i * 4 + 1];
      const b = px[i * 4 + 2];
      data[base + i] = 0.299 * r + 0.587 * g + 0.114 * b;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 24) coloured++;
    }
  });
  const validSpacing = spacingMm && spacingMm.every((v) => Number.isFinite(v) && v > 0);
  const spacing: [number, number, number] = validSpacing ? [spacingMm[0], spacingMm[1], spacingMm[2]] : [1, 1, 1];
  const notes = ['8-bit images: treated as already windowed'];
  if (!validSpacing) notes.push('voxel spacing unknown: assumed 1 × 1 × 1 mm');
  return {
    data,
    dims: [width, height, sorted.length, 1],
    spacingMm: spacing,
    affine: scalingAffine(spacing),
    source: {
      format: 'image',
      name: sorted.length === 1 ? sorted[0].name : `${sorted.length} files`,
      note: notes.join('; '),
      // More than 1 % of the pixels clearly coloured: a photo or a screenshot, not a greyscale scan.
      ...(coloured > 0.01 * data.length && { colour: true }),
    },
  };
}

/** How the images of a stack map onto the volume, as the user says (image files carry no geometry). */
export interface StackLayout {
  /** Pixel size (mm), when known. */
  pixelMm?: number;
  /** Distance between slice centres (mm), when known. */
  sliceMm?: number;
  /** Frames (time points); the images are positions × frames. */
  frames: number;
  /** 'slice-major': every frame of slice 1, then of slice 2…; 'frame-major': every slice of frame 1, then frame 2…. */
  order: 'slice-major' | 'frame-major';
}

/**
 * A stack read by `volumeFromImages` rearranged into positions × frames with the pixel size and slice spacing the user
 * gave; the note says what is still assumed. Throws when the image count is not a multiple of `frames`. Pure.
 */
export function arrangeStack(stack: Volume, { pixelMm, sliceMm, frames, order }: StackLayout): Volume {
  const [nx, ny] = stack.dims;
  const images = stack.dims[2] * stack.dims[3];
  if (!(Number.isInteger(frames) && frames >= 1 && images % frames === 0)) {
    throw new LoupeError('INCONSISTENT_SERIES', `${images} images cannot be split into ${frames} frames of equal size`);
  }
  const positions = images / frames;
  const plane = nx * ny;
  let data = stack.data;
  if (order === 'slice-major' && frames > 1 && positions > 1) {
    // Image k = z·frames + t; the volume wants index t·positions + z.
    data = new Float32Array(stack.data.length);
    for (let z = 0; z < positions; z++) for (let t = 0; t < frames; t++) data.set(stack.data.subarray((z * frames + t) * plane, (z * frames + t + 1) * plane), (t * positions + z) * plane);
  }
  const known = (v?: number) => v !== undefined && Number.isFinite(v) && v > 0;
  const spacing: [number, number, number] = [known(pixelMm) ? pixelMm! : 1, known(pixelMm) ? pixelMm! : 1, known(sliceMm) ? sliceMm! : 1];
  const notes = ['8-bit images: treated as already windowed'];
  const assumed = [!known(pixelMm) && 'pixel size 1 mm', !known(sliceMm) && positions > 1 && 'slice spacing 1 mm'].filter(Boolean);
  notes.push(assumed.length ? `assumed: ${assumed.join(', ')} (set them below for areas and volumes in real units)` : `pixel size ${pixelMm} mm${positions > 1 ? `, slice spacing ${sliceMm} mm` : ''}, as you set them`);
  if (frames > 1) notes.push(`${positions} slice${positions === 1 ? '' : 's'} × ${frames} frames (${order === 'slice-major' ? 'all frames of a slice together' : 'all slices of a frame together'})`);
  return { ...stack, data, dims: [nx, ny, positions, frames], spacingMm: spacing, affine: scalingAffine(spacing), source: { ...stack.source, note: notes.join('; ') } };
}
