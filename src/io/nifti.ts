/**
 * NIfTI-1 / NIfTI-2 reader (.nii, .nii.gz; either byte order) and a NIfTI-1 label-map writer.
 * Pure: no DOM, no Node APIs, so it runs in workers, the page and Node alike.
 */
import { NIFTI1, NIFTI2 } from 'nifti-reader-js';
import { Gunzip, gzipSync } from 'fflate';
import { LoupeError } from '../errors';
import { ascii } from './bytes';
import { type Volume, voxelCount } from './volume';
import { affinesClose, affineToQuatern, quaternToAffine, scalingAffine } from './geometry';

const NIFTI1_HEADER = 348;
const NIFTI2_HEADER = 540;

/** NIfTI datatype codes: bytes per voxel and a name for messages. */
const DATATYPES: Record<number, { bytes: number; name: string } | undefined> = {
  2: { bytes: 1, name: 'uint8' },
  4: { bytes: 2, name: 'int16' },
  8: { bytes: 4, name: 'int32' },
  16: { bytes: 4, name: 'float32' },
  64: { bytes: 8, name: 'float64' },
  256: { bytes: 1, name: 'int8' },
  512: { bytes: 2, name: 'uint16' },
  768: { bytes: 4, name: 'uint32' },
  1024: { bytes: 8, name: 'int64' },
  1280: { bytes: 8, name: 'uint64' },
};

const UNSUPPORTED_DATATYPES: Record<number, string> = {
  1: 'binary (1 bit per voxel)',
  32: 'complex64 (complex-valued images, e.g. raw k-space or phase data)',
  128: 'RGB24 (a colour image, not a scan intensity volume)',
  1536: 'float128',
  1792: 'complex128 (complex-valued images)',
  2048: 'complex256 (complex-valued images)',
  2304: 'RGBA32 (a colour image, not a scan intensity volume)',
};

function fail(code: 'CORRUPT_VOLUME' | 'UNSUPPORTED_FILE', name: string, what: string): never {
  throw new LoupeError(code, `${name}: ${what}`);
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Streaming gunzip: handles multi-member files (bgzip/pigz -i) and never trusts the size in the gzip trailer, which
 * is random in a cut-off download.
 */
function gunzip(bytes: Uint8Array, name: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const g = new Gunzip((chunk) => {
      chunks.push(chunk);
      total += chunk.length;
    });
    g.push(bytes, true);
  } catch (e) {
    if (e instanceof RangeError && /allocation|memory/i.test(e.message)) throw e;
    // Zero padding after the last member (some tape/PACS exports) is harmless: strip it and try once more.
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    if (end < bytes.length && end > 18) return gunzip(bytes.subarray(0, end), name);
    fail('CORRUPT_VOLUME', name, `the gzip stream is truncated or damaged (${e instanceof Error ? e.message : String(e)})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Names a few formats people drop by mistake, so the message says what the file is. */
function sniffOtherFormat(b: Uint8Array): string | undefined {
  if (b.length >= 132 && ascii(b, 128, 132) === 'DICM') return 'a DICOM file (drop it as DICOM, not NIfTI)';
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 4) === 'PNG') return 'a PNG image';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'a JPEG image';
  if (b.length >= 4 && (ascii(b, 0, 4) === 'PK\u0003\u0004')) return 'a ZIP archive (unzip it first)';
  if (b.length >= 4 && ascii(b, 0, 4) === '\u0089HDF') return 'an HDF5 file (e.g. MINC-2)';
  if (b.length >= 3 && ascii(b, 0, 3) === 'CDF') return 'a NetCDF file (e.g. MINC-1)';
  if (b.length >= 284) {
    // FreeSurfer MGH: version 1 (big-endian int32) then dims.
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (dv.getInt32(0, false) === 1 && dv.getInt32(4, false) > 0 && dv.getInt32(16, false) > 0 && dv.getInt32(16, false) <= 4)
      return 'a FreeSurfer MGH/MGZ volume';
  }
  return undefined;
}

interface ParsedHeader {
  version: 1 | 2;
  header: NIFTI1 | NIFTI2;
  littleEndian: boolean;
  headerSize: number;
  srow: number[];
}

/** Reads the 348/540-byte header with nifti-reader-js (fed only the header, so a damaged extension cannot derail it). */
function parseHeader(raw: Uint8Array, name: string): ParsedHeader {
  if (raw.length < 4) fail('CORRUPT_VOLUME', name, `file is ${raw.length} bytes long, too short to hold a NIfTI header`);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = dv.getInt32(0, true);
  const be = dv.getInt32(0, false);
  const found = le === NIFTI1_HEADER || be === NIFTI1_HEADER ? 1 : le === NIFTI2_HEADER || be === NIFTI2_HEADER ? 2 : 0;
  if (found === 0) {
    const other = sniffOtherFormat(raw);
    if (other) fail('UNSUPPORTED_FILE', name, `this is ${other}, not a NIfTI volume`);
    fail(
      'CORRUPT_VOLUME',
      name,
      `not a NIfTI file: it starts with sizeof_hdr = ${le} (little-endian) / ${be} (big-endian), but NIfTI-1 needs 348 and NIfTI-2 540`,
    );
  }
  const version: 1 | 2 = found;
  const littleEndian = le === NIFTI1_HEADER || le === NIFTI2_HEADER;
  const headerSize = version === 1 ? NIFTI1_HEADER : NIFTI2_HEADER;
  if (raw.length < headerSize)
    fail('CORRUPT_VOLUME', name, `truncated: the NIfTI-${version} header needs ${headerSize} bytes but the file has only ${raw.length}`);
  const magic = version === 1 ? ascii(raw, 344, 348) : ascii(raw, 4, 8);
  const single = version === 1 ? 'n+1\0' : 'n+2\0';
  const pair = version === 1 ? 'ni1\0' : 'ni2\0';
  if (magic === pair)
    fail('UNSUPPORTED_FILE', name, `this is the header half of a NIfTI-${version} .hdr/.img pair; ${version === 2 ? 'NIfTI-2 pairs are not read: convert it to a single .nii (e.g. with nibabel) and drop that' : 'drop it, named .hdr, together with its .img'}`);
  if (magic !== single) {
    const other = sniffOtherFormat(raw);
    if (other) fail('UNSUPPORTED_FILE', name, `this is ${other}, not a NIfTI volume`);
    if (version === 1)
      fail('UNSUPPORTED_FILE', name, 'this looks like an ANALYZE 7.5 header (no NIfTI magic "n+1"): name it .hdr and drop it together with its .img');
    fail('CORRUPT_VOLUME', name, `bad NIfTI-2 magic ${JSON.stringify(magic)} (expected "n+2")`);
  }
  const headerBuffer = raw.slice(0, headerSize).buffer;
  const header = version === 1 ? new NIFTI1() : new NIFTI2();
  try {
    header.readHeader(headerBuffer);
  } catch (e) {
    fail('CORRUPT_VOLUME', name, `unreadable NIfTI-${version} header (${e instanceof Error ? e.message : String(e)})`);
  }
  const srow: number[] = [];
  for (let i = 0; i < 12; i++)
    srow.push(version === 1 ? dv.getFloat32(280 + i * 4, littleEndian) : dv.getFloat64(400 + i * 8, littleEndian));
  return { version, header, littleEndian, headerSize, srow };
}

/** sform if sform_code > 0, else qform if qform_code > 0, else pixdim scaling (the order the brief and most viewers use). */
function headerAffine(p: ParsedHeader, spacing: [number, number, number]): { affine: number[]; note?: string } {
  const h = p.header;
  const finite = (m: number[]) => m.every(Number.isFinite);
  if (h.sform_code > 0) {
    const m = [...p.srow, 0, 0, 0, 1];
    if (finite(m)) return { affine: m };
  }
  if (h.qform_code > 0) {
    const m = quaternToAffine(
      h.quatern_b,
      h.quatern_c,
      h.quatern_d,
      h.pixDims[0] < 0 ? -1 : 1,
      spacing,
      [h.qoffset_x, h.qoffset_y, h.qoffset_z],
    );
    if (finite(m)) return { affine: m, note: h.sform_code > 0 ? 'sform is not finite: orientation taken from the qform' : undefined };
  }
  return {
    affine: scalingAffine(spacing),
    note: 'no usable sform/qform in the header: orientation unknown (voxel grid scaled by pixdim)',
  };
}

/** Converts count voxels at offset to float32, applying slope/intercept; returns how many were NaN/±Inf (set to 0). */
function decodeVoxels(
  raw: Uint8Array,
  offset: number,
  count: number,
  datatype: number,
  littleEndian: boolean,
  slope: number,
  inter: number,
  out: Float32Array,
): number {
  const bytes = DATATYPES[datatype]!.bytes;
  // A typed-array view needs an aligned offset and the platform's (little-endian) byte order; otherwise copy/swap first.
  let buf: ArrayBuffer;
  let start: number;
  if (littleEndian && (raw.byteOffset + offset) % bytes === 0 && raw.buffer instanceof ArrayBuffer) {
    buf = raw.buffer;
    start = raw.byteOffset + offset;
  } else {
    const copy = raw.slice(offset, offset + count * bytes);
    if (!littleEndian && bytes > 1) {
      for (let i = 0; i < copy.length; i += bytes) {
        for (let a = i, b = i + bytes - 1; a < b; a++, b--) {
          const t = copy[a];
          copy[a] = copy[b];
          copy[b] = t;
        }
      }
    }
    buf = copy.buffer;
    start = 0;
  }
  let src: ArrayLike<number> | BigInt64Array | BigUint64Array;
  switch (datatype) {
    case 2: src = new Uint8Array(buf, start, count); break;
    case 256: src = new Int8Array(buf, start, count); break;
    case 4: src = new Int16Array(buf, start, count); break;
    case 512: src = new Uint16Array(buf, start, count); break;
    case 8: src = new Int32Array(buf, start, count); break;
    case 768: src = new Uint32Array(buf, start, count); break;
    case 16: src = new Float32Array(buf, start, count); break;
    case 64: src = new Float64Array(buf, start, count); break;
    case 1024: src = new BigInt64Array(buf, start, count); break;
    default: src = new BigUint64Array(buf, start, count); break;
  }
  const scaled = !(slope === 1 && inter === 0);
  let bad = 0;
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let i = 0; i < count; i++) out[i] = Number(src[i]) * slope + inter;
  } else if (scaled) {
    for (let i = 0; i < count; i++) out[i] = src[i] * slope + inter;
  } else {
    out.set(src as ArrayLike<number>);
  }
  if (datatype === 16 || datatype === 64 || scaled) {
    for (let i = 0; i < count; i++) {
      if (!Number.isFinite(out[i])) {
        out[i] = 0;
        bad++;
      }
    }
  }
  return bad;
}

/**
 * Reads a .nii or .nii.gz (gzip is sniffed from the bytes, not the name): NIfTI-1 or NIfTI-2, either byte order,
 * 3D or 4D, integer or float voxels. Throws LoupeError CORRUPT_VOLUME / UNSUPPORTED_FILE with the reason.
 */
export function readNifti(bytes: Uint8Array, name: string): Volume {
  try {
    return read(bytes, name);
  } catch (e) {
    if (e instanceof LoupeError || (e instanceof RangeError && /allocation|memory/i.test(e.message))) throw e;
    throw new LoupeError('CORRUPT_VOLUME', `${name}: could not read the NIfTI data (${e instanceof Error ? e.message : String(e)})`);
  }
}

function read(bytes: Uint8Array, name: string): Volume {
  let raw = bytes;
  if (isGzip(bytes)) raw = gunzip(bytes, name);
  const p = parseHeader(raw, name);
  const h = p.header;
  const notes: string[] = [];

  const ndim = h.dims[0];
  if (!(ndim >= 1 && ndim <= 7)) fail('CORRUPT_VOLUME', name, `invalid dim[0] = ${ndim} (must be 1 to 7)`);
  for (let i = 1; i <= ndim; i++) {
    if (!(Number.isInteger(h.dims[i]) && h.dims[i] >= 1)) fail('CORRUPT_VOLUME', name, `invalid dim[${i}] = ${h.dims[i]}`);
  }
  for (let i = 5; i <= ndim; i++) {
    if (h.dims[i] > 1)
      fail(
        'UNSUPPORTED_FILE',
        name,
        `${ndim}D data (dim[${i}] = ${h.dims[i]}, e.g. vector or tensor components) is not supported; only 3D and 4D volumes are`,
      );
  }
  const dim = (i: number) => (i <= ndim ? h.dims[i] : 1);
  const dims: [number, number, number, number] = [dim(1), dim(2), dim(3), dim(4)];

  const datatype = h.datatypeCode;
  const dt = DATATYPES[datatype];
  if (!dt) {
    const why = UNSUPPORTED_DATATYPES[datatype];
    if (why) fail('UNSUPPORTED_FILE', name, `NIfTI datatype ${datatype} = ${why} is not supported; Loupe reads single-channel integer or float volumes`);
    fail('CORRUPT_VOLUME', name, `unknown NIfTI datatype code ${datatype}`);
  }

  const spacing = [1, 2, 3].map((i) => {
    const v = Math.abs(h.pixDims[i]);
    if (Number.isFinite(v) && v > 0) return v;
    if (i <= ndim) notes.push(`pixdim[${i}] = ${h.pixDims[i]} is not a valid voxel size: using 1 mm`);
    return 1;
  }) as [number, number, number];

  const count = dims[0] * dims[1] * dims[2] * dims[3];
  let offset = Math.round(h.vox_offset);
  const minOffset = p.headerSize + 4;
  if (!(offset >= minOffset)) {
    // Some writers leave vox_offset at 0 in single files: data follows the header and any extensions.
    offset = minOffset;
    if (raw.length >= minOffset && raw[p.headerSize] !== 0) {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      while (offset + 8 <= raw.length) {
        const esize = dv.getInt32(offset, p.littleEndian);
        if (esize < 16 || esize % 16 !== 0) break;
        offset += esize;
      }
    }
    notes.push(`vox_offset was ${h.vox_offset}: voxel data read from byte ${offset}`);
  }
  const needed = count * dt.bytes;
  if (offset + needed > raw.length)
    fail(
      'CORRUPT_VOLUME',
      name,
      `truncated: the header describes ${dims.join('×')} ${dt.name} voxels (${needed} bytes from byte ${offset}) but the ${
        isGzip(bytes) ? 'decompressed ' : ''
      }file has only ${raw.length} bytes`,
    );

  let slope = h.scl_slope;
  let inter = h.scl_inter;
  if (!Number.isFinite(slope) || slope === 0) {
    slope = 1;
    inter = 0;
  } else if (!Number.isFinite(inter)) {
    inter = 0;
  }

  const data = new Float32Array(count);
  const bad = decodeVoxels(raw, offset, count, datatype, p.littleEndian, slope, inter, data);
  if (bad > 0) notes.push(`${bad} NaN/infinite voxel${bad === 1 ? '' : 's'} set to 0`);

  const { affine, note } = headerAffine(p, spacing);
  if (note) notes.push(note);

  return {
    data,
    dims,
    spacingMm: spacing,
    affine,
    source: { format: 'nifti', name, ...(notes.length ? { note: notes.join('; ') } : {}) },
    niftiHeader: raw.slice(0, p.headerSize),
  };
}

/** The NIfTI-1 geometry fields a label map inherits from its source. */
interface GeometryFields {
  dimInfo: number;
  pixdim: number[];
  xyztUnits: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: number[];
  toffset: number;
}

function geometryFromHeader(header: Uint8Array, like: Volume): GeometryFields | undefined {
  let p: ParsedHeader;
  try {
    p = parseHeader(header, 'niftiHeader');
  } catch {
    return undefined;
  }
  const h = p.header;
  const spacing = [1, 2, 3].map((i) => Math.abs(h.pixDims[i]) || 1) as [number, number, number];
  // Only trust the header if it still describes this volume's geometry (a caller may have resampled or reoriented).
  if (!affinesClose(headerAffine(p, spacing).affine, like.affine, 1e-3)) return undefined;
  const pixdim = Array.from({ length: 8 }, (_, i) => (Number.isFinite(h.pixDims[i]) ? h.pixDims[i] : 1));
  pixdim[0] = h.pixDims[0] < 0 ? -1 : 1;
  return {
    dimInfo: h.dim_info & 0xff,
    pixdim,
    xyztUnits: h.xyzt_units & 0xff,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    quatern: [h.quatern_b, h.quatern_c, h.quatern_d],
    qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z],
    srow: p.srow,
    toffset: Number.isFinite(h.toffset) ? h.toffset : 0,
  };
}

function geometryFromAffine(like: Volume): GeometryFields {
  const q = affineToQuatern(like.affine);
  return {
    dimInfo: 0,
    pixdim: [q.qfac, like.spacingMm[0], like.spacingMm[1], like.spacingMm[2], 1, 1, 1, 1],
    xyztUnits: 2, // NIFTI_UNITS_MM
    qformCode: 1, // NIFTI_XFORM_SCANNER_ANAT
    sformCode: 1,
    quatern: [q.b, q.c, q.d],
    qoffset: q.offset,
    srow: like.affine.slice(0, 12),
    toffset: 0,
  };
}

/**
 * Writes a uint8 label map as a single-file NIfTI-1 (.nii, or .nii.gz when gzip) on the grid of `like`: same dims,
 * and the source's pixdim/qform/sform when its NIfTI header still matches its affine, else geometry built from
 * `like.affine` / `like.spacingMm`. intent_code = NIFTI_INTENT_LABEL, little-endian.
 */
export function writeNiftiLabels(labels: Uint8Array, like: Volume, { gzip = true }: { gzip?: boolean } = {}): Uint8Array {
  const n = voxelCount(like);
  if (labels.length !== n)
    throw new RangeError(`writeNiftiLabels: ${labels.length} labels for a ${like.dims.join('×')} volume (${n} voxels)`);
  const g = (like.niftiHeader && geometryFromHeader(like.niftiHeader, like)) || geometryFromAffine(like);

  const out = new Uint8Array(352 + n);
  const dv = new DataView(out.buffer);
  const le = true;
  dv.setInt32(0, 348, le);
  out[38] = 0x72; // regular = 'r'
  out[39] = g.dimInfo;
  const [nx, ny, nz, nt] = like.dims;
  const dim = [nt > 1 ? 4 : 3, nx, ny, nz, nt > 1 ? nt : 1, 1, 1, 1];
  dim.forEach((v, i) => dv.setInt16(40 + i * 2, v, le));
  dv.setInt16(68, 1002, le); // NIFTI_INTENT_LABEL
  dv.setInt16(70, 2, le); // DT_UINT8
  dv.setInt16(72, 8, le); // bitpix
  g.pixdim.forEach((v, i) => dv.setFloat32(76 + i * 4, v, le));
  dv.setFloat32(108, 352, le); // vox_offset
  dv.setFloat32(112, 1, le); // scl_slope
  dv.setFloat32(116, 0, le); // scl_inter
  out[123] = g.xyztUnits;
  let max = 0;
  for (let i = 0; i < n; i++) if (labels[i] > max) max = labels[i];
  dv.setFloat32(124, max, le); // cal_max
  dv.setFloat32(128, 0, le); // cal_min
  dv.setFloat32(136, g.toffset, le);
  const descrip = 'Loupe label map';
  for (let i = 0; i < descrip.length; i++) out[148 + i] = descrip.charCodeAt(i);
  dv.setInt16(252, g.qformCode, le);
  dv.setInt16(254, g.sformCode, le);
  [...g.quatern, ...g.qoffset].forEach((v, i) => dv.setFloat32(256 + i * 4, v, le));
  g.srow.forEach((v, i) => dv.setFloat32(280 + i * 4, v, le));
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  // Bytes 348..351: extension flag, all zero (no extensions).
  out.set(labels, 352);
  return gzip ? gzipSync(out, { level: 6, mtime: 0 }) : out;
}
