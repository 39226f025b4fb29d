/**
 * Pixel data of one DICOM image file → rescaled floats: native (little- or big-endian), deflated (inflated while
 * parsing), encapsulated uncompressed and RLE Lossless. Refuses what it cannot decode. Pure.
 */
import { LoupeError } from '../../errors';
import {
  COLOUR_MESSAGE,
  COMPRESSED_SYNTAXES,
  ENCAPSULATED_UNCOMPRESSED,
  EXPLICIT_BE,
  NATIVE_SYNTAXES,
  RLE_LOSSLESS,
  T,
  str,
  type ImageFile,
} from './parse';

/** Refuses what Loupe cannot decode: colour, odd bit depths, compressed transfer syntaxes. */
export function checkDecodable(img: ImageFile): void {
  const name = img.file.name;
  if (img.modality === 'SEG' || str(img.ds, T.sopClass) === '1.2.840.10008.5.1.4.1.1.66.4')
    throw new LoupeError('UNSUPPORTED_FILE', `${name}: a DICOM Segmentation (SEG) object is a label map, not a scan Loupe can analyse`);
  if (img.samples !== 1 || !/^MONOCHROME[12]$/.test(img.photometric)) {
    const what = img.photometric === 'PALETTE COLOR' ? 'palette colour' : `${img.photometric}, ${img.samples} samples per pixel`;
    throw new LoupeError('UNSUPPORTED_FILE', `${name}: ${COLOUR_MESSAGE} (${what})`);
  }
  if (!(img.rows > 0 && img.cols > 0)) throw new LoupeError('CORRUPT_VOLUME', `${name}: image has ${img.rows} rows × ${img.cols} columns`);
  if (img.pixelKind === 'int' && ![8, 16, 32].includes(img.bitsAllocated))
    throw new LoupeError(
      'UNSUPPORTED_FILE',
      `${name}: BitsAllocated = ${img.bitsAllocated} is not supported (Loupe reads 8-, 16- and 32-bit greyscale pixel data)`,
    );
  if (img.pixelKind === 'int' && !(img.bitsStored >= 1 && img.bitsStored <= img.bitsAllocated && img.highBit < img.bitsAllocated))
    throw new LoupeError('CORRUPT_VOLUME', `${name}: inconsistent BitsStored ${img.bitsStored} / HighBit ${img.highBit} for BitsAllocated ${img.bitsAllocated}`);
  const ts = img.syntax;
  if (NATIVE_SYNTAXES.has(ts) || ts === RLE_LOSSLESS || ts === ENCAPSULATED_UNCOMPRESSED) return;
  const named = COMPRESSED_SYNTAXES[ts];
  throw new LoupeError(
    'UNSUPPORTED_COMPRESSION',
    named
      ? `${name}: pixel data is compressed with ${named} (transfer syntax ${ts}), which Loupe cannot decode`
      : `${name}: unrecognised transfer syntax ${ts}; Loupe decodes uncompressed, deflated and RLE Lossless DICOM only`,
  );
}

/** The bytes of one frame, decompressing RLE; native data as a view. littleEndian refers to the returned bytes. */
function frameBytes(img: ImageFile, index: number, frameSize: number): { bytes: Uint8Array; littleEndian: boolean } {
  const { ds, pixel, file } = img;
  const byteArray = ds.byteArray as Uint8Array;
  if (pixel.encapsulatedPixelData || pixel.fragments) {
    const data = encapsulatedFrame(img, index);
    if (img.syntax === RLE_LOSSLESS) return { bytes: decodeRle(data, img, frameSize), littleEndian: true };
    if (data.length < frameSize)
      throw new LoupeError('CORRUPT_VOLUME', `${file.name}: frame ${index + 1} has ${data.length} bytes, expected ${frameSize}`);
    return { bytes: data, littleEndian: true };
  }
  if (img.syntax === RLE_LOSSLESS || img.syntax === ENCAPSULATED_UNCOMPRESSED)
    throw new LoupeError('CORRUPT_VOLUME', `${file.name}: transfer syntax ${img.syntax} needs encapsulated pixel data, but it is stored natively`);
  const start = pixel.dataOffset + index * frameSize;
  const end = start + frameSize;
  const available = Math.min(pixel.dataOffset + pixel.length, byteArray.length);
  if (end > available)
    throw new LoupeError(
      'CORRUPT_VOLUME',
      `${file.name}: pixel data is truncated: ${img.frames} frame${img.frames > 1 ? 's' : ''} of ${img.cols}×${img.rows} × ${img.bitsAllocated} bits need ${
        img.frames * frameSize
      } bytes, the file holds ${Math.max(0, available - pixel.dataOffset)}`,
    );
  return { bytes: byteArray.subarray(start, end), littleEndian: img.syntax !== EXPLICIT_BE };
}

function encapsulatedFrame(img: ImageFile, index: number): Uint8Array {
  const { ds, pixel, file } = img;
  const byteArray = ds.byteArray as Uint8Array;
  const fragments = pixel.fragments ?? [];
  const bot = pixel.basicOffsetTable ?? [];
  let chosen = fragments;
  if (img.frames > 1) {
    if (bot.length === img.frames) {
      const start = bot[index];
      const end = index + 1 < bot.length ? bot[index + 1] : Number.POSITIVE_INFINITY;
      chosen = fragments.filter((f) => f.offset >= start && f.offset < end);
    } else if (fragments.length === img.frames) {
      chosen = [fragments[index]];
    } else {
      throw new LoupeError(
        'CORRUPT_VOLUME',
        `${file.name}: cannot split ${fragments.length} pixel-data fragments into ${img.frames} frames (no Basic Offset Table)`,
      );
    }
  }
  if (chosen.length === 0) throw new LoupeError('CORRUPT_VOLUME', `${file.name}: frame ${index + 1} has no pixel-data fragments`);
  if (chosen.length === 1) return byteArray.subarray(chosen[0].position, chosen[0].position + chosen[0].length);
  const total = chosen.reduce((s, f) => s + f.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const f of chosen) {
    out.set(byteArray.subarray(f.position, f.position + f.length), o);
    o += f.length;
  }
  return out;
}

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment per byte plane
 * (most significant byte first). Returns little-endian interleaved samples.
 */
export function decodeRle(data: Uint8Array, img: Pick<ImageFile, 'rows' | 'cols' | 'bitsAllocated' | 'file'>, frameSize: number): Uint8Array {
  const name = img.file.name;
  const pixels = img.rows * img.cols;
  const bytesPer = img.bitsAllocated / 8;
  if (data.length < 64) throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE frame is ${data.length} bytes, shorter than its 64-byte header`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = dv.getUint32(0, true);
  if (segments !== bytesPer)
    throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE frame has ${segments} segments, expected ${bytesPer} for ${img.bitsAllocated}-bit greyscale`);
  const out = new Uint8Array(frameSize);
  for (let s = 0; s < segments; s++) {
    const start = dv.getUint32(4 + s * 4, true);
    const end = s + 1 < segments ? dv.getUint32(8 + s * 4, true) : data.length;
    if (start < 64 || end > data.length || end < start)
      throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE segment ${s + 1} offsets ${start}..${end} lie outside the ${data.length}-byte frame`);
    const shift = bytesPer - 1 - s; // segment 0 holds the most significant bytes
    let i = start;
    let p = 0;
    while (i < end && p < pixels) {
      const h = (data[i++] << 24) >> 24;
      if (h >= 0) {
        const n = Math.min(h + 1, pixels - p, end - i);
        for (let k = 0; k < n; k++) out[(p + k) * bytesPer + shift] = data[i + k];
        i += h + 1;
        p += n;
      } else if (h > -128) {
        const n = Math.min(1 - h, pixels - p);
        const v = data[i++];
        for (let k = 0; k < n; k++) out[(p + k) * bytesPer + shift] = v;
        p += n;
      }
    }
    if (p < pixels)
      throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE segment ${s + 1} decodes to ${p} of ${pixels} pixels (truncated)`);
  }
  return out;
}

/** Stored pixel values → rescaled floats (masking to BitsStored and sign-extending as PixelRepresentation says). */
export function decodeFrame(
  img: ImageFile,
  frame: { index: number; slope: number; intercept: number },
  out: Float32Array,
  outOffset: number,
): void {
  const n = img.rows * img.cols;
  const bytesPer = img.bitsAllocated / 8;
  const { bytes, littleEndian } = frameBytes(img, frame.index, n * bytesPer);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { slope, intercept } = frame;
  if (img.pixelKind !== 'int') {
    for (let i = 0; i < n; i++) {
      const v = img.pixelKind === 'float' ? dv.getFloat32(i * 4, littleEndian) : dv.getFloat64(i * 8, littleEndian);
      out[outOffset + i] = (Number.isFinite(v) ? v : 0) * slope + intercept;
    }
    return;
  }
  // Stored words as unsigned integers: a typed-array view when aligned little-endian, else read through the DataView.
  let words: ArrayLike<number>;
  if (bytesPer === 1) words = bytes;
  else if (littleEndian && bytes.byteOffset % bytesPer === 0)
    words = bytesPer === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  else {
    const w = bytesPer === 2 ? new Uint16Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) w[i] = bytesPer === 2 ? dv.getUint16(i * 2, littleEndian) : dv.getUint32(i * 4, littleEndian);
    words = w;
  }
  const bits = img.bitsStored;
  const shift = Math.max(0, img.highBit + 1 - bits);
  const signed = img.signed;
  if (bits >= 32) {
    for (let i = 0; i < n; i++) out[outOffset + i] = (signed ? words[i] | 0 : words[i]) * slope + intercept;
    return;
  }
  // BitsStored < 32: keep bits [shift, shift + bits), then sign-extend from the top stored bit when signed.
  const mask = bits === 31 ? 0x7fffffff : (1 << bits) - 1;
  const ext = 32 - bits;
  for (let i = 0; i < n; i++) {
    let v = (words[i] >>> shift) & mask;
    if (signed) v = (v << ext) >> ext;
    out[outOffset + i] = v * slope + intercept;
  }
}
