/**
 * ANALYZE 7.5 (and NIfTI-1 pair) `.hdr` + `.img` → `Volume`. The 348-byte header shares NIfTI-1's layout for the
 * fields read here (dims, datatype, pixdim, vox_offset, funused1 = SPM's scale), so the pair is rewritten as one
 * NIfTI-1 file in the header's byte order and read by `readNifti`. Pure.
 */
import { LoupeError } from '../errors';
import { ascii } from './bytes';
import { readNifti } from './nifti';
import type { Volume } from './volume';

const HEADER = 348;

/** ANALYZE datatype codes → bytes per voxel (the others, e.g. 128 = RGB, are refused by the NIfTI reader). */
const BYTES: Record<number, number | undefined> = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8 };

function fail(name: string, what: string): never {
  throw new LoupeError('CORRUPT_VOLUME', `${name}: ${what}`);
}

/**
 * Reads an `.hdr`/`.img` pair. A NIfTI-1 pair header ("ni1") keeps its own geometry; an ANALYZE 7.5 header has none,
 * so the orientation assumed (as SPM and nibabel do) is said in `source.note`.
 */
export function readAnalyzePair(hdr: { name: string; bytes: Uint8Array }, img: { name: string; bytes: Uint8Array }): Volume {
  const h = hdr.bytes;
  if (h.length < HEADER) fail(hdr.name, `${h.length} bytes: an ANALYZE/NIfTI-1 header is ${HEADER} bytes`);
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const le = dv.getInt32(0, true) === HEADER;
  if (!le && dv.getInt32(0, false) !== HEADER) {
    // Not a 348-byte header: a NIfTI-2 pair or something else; the NIfTI reader names what it is.
    readNifti(h, hdr.name);
    fail(hdr.name, 'not an ANALYZE 7.5 or NIfTI-1 header');
  }
  const magic = ascii(h, 344, 348);
  if (magic === 'n+1\0') return readNifti(h, hdr.name); // a single-file NIfTI-1 named .hdr
  const nifti = magic === 'ni1\0';
  const ndim = dv.getInt16(40, le);
  const dims = Array.from({ length: 7 }, (_, i) => (i < ndim ? dv.getInt16(42 + 2 * i, le) : 1));
  const datatype = dv.getInt16(70, le);
  const bytes = BYTES[datatype];
  const offset = Math.round(dv.getFloat32(108, le));
  if (ndim >= 1 && ndim <= 7 && dims.every((d) => d >= 1) && bytes && offset >= 0) {
    const needed = offset + dims.reduce((a, b) => a * b, 1) * bytes;
    if (img.bytes.length < needed)
      fail(img.name, `truncated: ${hdr.name} describes ${dims.slice(0, Math.max(ndim, 3)).join('×')} voxels of ${bytes} byte${bytes > 1 ? 's' : ''} (${needed} bytes${offset ? ` from byte ${offset}` : ''}) but ${img.name} has only ${img.bytes.length}`);
  }

  // One NIfTI-1 file: the header (ANALYZE-only fields cleared), 4 bytes of no extensions, then the voxels.
  const data = img.bytes.subarray(Math.max(0, Math.min(offset, img.bytes.length)));
  const out = new Uint8Array(HEADER + 4 + data.length);
  out.set(h.subarray(0, HEADER));
  const o = new DataView(out.buffer);
  o.setFloat32(108, HEADER + 4, le);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  out.set(data, HEADER + 4);
  let note: string | undefined;
  if (!nifti) {
    const spacing = [1, 2, 3].map((i) => Math.abs(dv.getFloat32(76 + 4 * i, le)) || 1);
    const origin = [0, 1, 2].map((i) => dv.getInt16(253 + 2 * i, le));
    const spm = origin.some((v) => v !== 0) && origin.every((v, i) => v >= 1 && v <= dims[i]);
    // nibabel's (SPM's) convention: x stored right → left (radiological), origin at SPM's origin voxel or the centre.
    const centre = spm ? origin.map((v) => v - 1) : [0, 1, 2].map((i) => (dims[i] - 1) / 2);
    const srow = [-spacing[0], 0, 0, centre[0] * spacing[0], 0, spacing[1], 0, -centre[1] * spacing[1], 0, 0, spacing[2], -centre[2] * spacing[2]];
    out[39] = 0; // dim_info (ANALYZE hkey_un0)
    out.fill(0, 56, 70); // intent (ANALYZE vox_units, cal_units, unused1)
    out.fill(0, 74, 76); // slice_start (dim_un0)
    o.setFloat32(76, 1, le); // qfac
    const slope = dv.getFloat32(112, le); // SPM's scale factor (funused1)
    o.setFloat32(112, Number.isFinite(slope) && slope !== 0 ? slope : 1, le);
    o.setFloat32(116, 0, le);
    out.fill(0, 120, 124); // slice_end, slice_code (funused3)
    out[123] = 2; // xyzt_units: mm
    out.fill(0, 132, 140); // slice_duration, toffset (compressed, verified)
    out.fill(0, 252, 344); // orient, originator and the rest of ANALYZE's history: NIfTI's qform/sform live here
    o.setInt16(254, 2, le); // sform_code: aligned (the assumed orientation below)
    srow.forEach((v, i) => o.setFloat32(280 + 4 * i, v, le));
    note = `ANALYZE 7.5 has no orientation: assumed stored radiologically (x right → left, y posterior → anterior, z inferior → superior), with the origin at ${
      spm ? `SPM's origin voxel (${origin.join(', ')})` : 'the volume centre'
    }, as SPM and nibabel assume`;
  }
  const volume = readNifti(out, hdr.name);
  const notes = [volume.source.note, note].filter(Boolean).join('; ');
  return {
    ...volume,
    source: { ...volume.source, format: nifti ? 'nifti' : 'analyze', ...(notes ? { note: notes } : {}) },
  };
}
