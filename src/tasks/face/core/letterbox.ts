import type { RgbaImage } from '../../../io/image';
import type { Face } from './types';

/** A rectangle of the source image, [x, y, w, h] in pixels. */
export type Rect = [number, number, number, number];

/**
 * How a source rectangle sits inside a square model input: scaled by `scale` (input px per source px) and
 * centred, leaving `padX`/`padY` input pixels of padding on each side.
 */
export interface Letterbox {
  rect: Rect;
  size: number;
  scale: number;
  padX: number;
  padY: number;
}

export function computeLetterbox(rect: Rect, size: number): Letterbox {
  const scale = size / Math.max(rect[2], rect[3]);
  return { rect, size, scale, padX: (size - rect[2] * scale) / 2, padY: (size - rect[3] * scale) / 2 };
}

/** The model-input pixels the picture covers, at least partly: [x0, y0, x1, y1), the rest is padding. */
function contentArea({ size, padX, padY }: Letterbox): [number, number, number, number] {
  return [Math.max(0, Math.floor(padX)), Math.max(0, Math.floor(padY)), Math.min(size, Math.ceil(size - padX)), Math.min(size, Math.ceil(size - padY))];
}

/**
 * Resamples `rect` of `image` into a letterboxed size×size NHWC float tensor in [-1, 1] (MediaPipe's
 * normalisation), bilinear, padding with 0 (mid grey). `mirror` flips the crop horizontally.
 */
export function toLetterboxedNHWC(image: RgbaImage, box: Letterbox, mirror = false, out?: Float32Array): Float32Array {
  const { size, scale, padX, padY, rect } = box;
  const tensor = out ?? new Float32Array(size * size * 3);
  tensor.fill(0);
  const { data, width, height } = image;
  const [x0, y0, x1, y1] = contentArea(box);
  for (let y = y0; y < y1; y++) {
    const sy = clamp(rect[1] + (y + 0.5 - padY) / scale - 0.5, 0, height - 1);
    const iy = Math.floor(sy);
    const fy = sy - iy;
    const iy1 = Math.min(iy + 1, height - 1);
    for (let x = x0; x < x1; x++) {
      const u = mirror ? size - 1 - x : x;
      const sx = clamp(rect[0] + (u + 0.5 - padX) / scale - 0.5, 0, width - 1);
      const ix = Math.floor(sx);
      const fx = sx - ix;
      const ix1 = Math.min(ix + 1, width - 1);
      const a = (iy * width + ix) * 4;
      const b = (iy * width + ix1) * 4;
      const c = (iy1 * width + ix) * 4;
      const d = (iy1 * width + ix1) * 4;
      const o = (y * size + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch] + (data[b + ch] - data[a + ch]) * fx;
        const bottom = data[c + ch] + (data[d + ch] - data[c + ch]) * fx;
        tensor[o + ch] = (top + (bottom - top) * fy) / 127.5 - 1;
      }
    }
  }
  return tensor;
}

/**
 * A letterboxed RGBA picture of the model input (size×size, e.g. the crop drawn scaled onto a canvas) to the NHWC
 * float tensor in [-1, 1]: the same values as `toLetterboxedNHWC` for the same pixels, and exactly 0 in the padding
 * (the pixels outside the content area, whatever the canvas held there).
 */
export function fromLetterboxedRgba(data: Uint8ClampedArray | Uint8Array, box: Letterbox, out?: Float32Array): Float32Array {
  const { size } = box;
  if (data.length !== size * size * 4) throw new RangeError(`expected ${size}×${size} RGBA, got ${data.length} bytes`);
  const tensor = out ?? new Float32Array(size * size * 3);
  tensor.fill(0);
  const [x0, y0, x1, y1] = contentArea(box);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * size + x) * 4;
      const o = (y * size + x) * 3;
      tensor[o] = data[i] / 127.5 - 1;
      tensor[o + 1] = data[i + 1] / 127.5 - 1;
      tensor[o + 2] = data[i + 2] / 127.5 - 1;
    }
  }
  return tensor;
}

/** Maps a point in normalised model-input coordinates back to source-image pixels. */
export function toImagePoint([u, v]: [number, number], box: Letterbox, mirror = false): [number, number] {
  const x = (u * box.size - box.padX) / box.scale;
  const y = (v * box.size - box.padY) / box.scale;
  return [box.rect[0] + (mirror ? box.rect[2] - x : x), box.rect[1] + y];
}

/** Maps a point in source-image pixels into normalised model-input coordinates (inverse of `toImagePoint`). */
export function toInputPoint([x, y]: [number, number], box: Letterbox): [number, number] {
  return [((x - box.rect[0]) * box.scale + box.padX) / box.size, ((y - box.rect[1]) * box.scale + box.padY) / box.size];
}

/** Mirroring swaps the subject's sides: right eye ↔ left eye, right ear ↔ left ear. */
const MIRRORED_KEYPOINT = [1, 0, 2, 3, 5, 4];

/** Maps a face decoded on a (possibly mirrored) letterboxed crop back to source-image pixels. */
export function toImageFace(face: Face, box: Letterbox, mirror = false): Face {
  const [bx, by, bw, bh] = face.box;
  const a = toImagePoint([bx, by], box, mirror);
  const b = toImagePoint([bx + bw, by + bh], box, mirror);
  const keypoints = face.keypoints.map((p) => toImagePoint(p, box, mirror));
  return {
    box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1])],
    score: face.score,
    keypoints: mirror ? MIRRORED_KEYPOINT.map((k) => keypoints[k]) : keypoints,
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
