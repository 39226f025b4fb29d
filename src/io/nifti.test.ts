import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { LoupeError } from '../errors';
import { readNifti, writeNiftiLabels } from './nifti';
import type { Volume } from './volume';

/** nibabel's test data, shipped by Debian's python3-nibabel. Reference numbers below come from nibabel 5 / numpy. */
const NIB = '/usr/lib/python3/dist-packages/nibabel/tests/data/';
const haveNib = existsSync(NIB);
if (!haveNib) console.warn(`skipping NIfTI tests on real files: ${NIB} missing (apt-get install python3-nibabel)`);

const load = (f: string) => new Uint8Array(readFileSync(NIB + f));

/** Voxel (x, y, z, t) of a volume. */
const at = (v: Volume, x: number, y: number, z: number, t = 0) => v.data[((t * v.dims[2] + z) * v.dims[1] + y) * v.dims[0] + x];

function sum(a: ArrayLike<number>, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s;
}

function expectAffine(actual: number[], expected: number[], tol = 1e-5) {
  expect(actual).toHaveLength(16);
  actual.forEach((v, i) => expect(v, `affine[${i}]`).toBeCloseTo(expected[i], -Math.log10(tol)));
}

function expectLoupeError(f: () => unknown, code: string, message?: RegExp) {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'should throw').toBeInstanceOf(LoupeError);
  expect((caught as LoupeError).code).toBe(code);
  if (message) expect((caught as LoupeError).message).toMatch(message);
  return caught as LoupeError;
}

/** A decompressed copy of a NIfTI file, for header surgery. */
function raw(f: string): Uint8Array {
  const b = load(f);
  return b[0] === 0x1f ? gunzipSync(b) : b.slice();
}

const EX4D_AFFINE = [
  -2, 6.714715653593746e-19, 9.081024511081715e-18, 117.8551025390625, -6.714715653593746e-19, 1.9737114906311035, -0.35552823543548584,
  -35.72294235229492, 8.25548088896093e-18, 0.3232076168060303, 2.171081781387329, -7.248798370361328, 0, 0, 0, 1,
];
/**
 * example4d's qform, by nifti1_io's nifti_quatern_to_mat44 (1 − b² − c² − d² = 1.0e-9 < 1e-7, so a = 0). nibabel takes
 * a = √1.0e-9 instead, which moves the off-diagonal terms by ≤ 1.4e-4; Loupe follows the NIfTI reference library.
 */
const EX4D_QFORM = [
  -2, 0, 0, 117.8551025390625, 0, 1.9737114380100422, -0.3555282251099069, -35.72294235229492, 0, 0.32320761047403224, 2.171081687729041,
  -7.248798370361328, 0, 0, 0, 1,
];

describe.skipIf(!haveNib)('readNifti on nibabel test files', () => {
  it('reads example4d.nii.gz: gzip, 4D int16, oblique sform, header extension', () => {
    const v = readNifti(load('example4d.nii.gz'), 'example4d.nii.gz');
    expect(v.dims).toEqual([128, 96, 24, 2]);
    expect(v.spacingMm[0]).toBe(2);
    expect(v.spacingMm[1]).toBe(2);
    expect(v.spacingMm[2]).toBeCloseTo(2.199999094, 6);
    expectAffine(v.affine, EX4D_AFFINE);
    expect(v.data).toHaveLength(128 * 96 * 24 * 2);
    expect(sum(v.data)).toBe(101985356);
    expect(sum(v.data, 128 * 96 * 24)).toBe(50990959); // second frame only
    expect(at(v, 29, 32, 3, 0)).toBe(19);
    expect(at(v, 54, 21, 19, 1)).toBe(499);
    expect(at(v, 63, 37, 20, 1)).toBe(389);
    expect(at(v, 64, 48, 12, 1)).toBe(266);
    expect(v.source).toEqual({ format: 'nifti', name: 'example4d.nii.gz' });
    expect(v.niftiHeader).toHaveLength(348);
    expect(new DataView(v.niftiHeader!.buffer).getInt32(0, true)).toBe(348);
  });

  it('reads anatomical.nii: big-endian int16, negative values', () => {
    const v = readNifti(load('anatomical.nii'), 'anatomical.nii');
    expect(v.dims).toEqual([33, 41, 25, 1]);
    expect(v.spacingMm).toEqual([2, 2, 2]);
    expectAffine(v.affine, [-2, 0, 0, 32, 0, 2, 0, -40, 0, 0, 2, -16, 0, 0, 0, 1]);
    expect(sum(v.data)).toBe(284166082);
    expect(Math.min(...v.data)).toBe(-610);
    expect(Math.max(...v.data)).toBe(30393);
    expect(at(v, 16, 20, 12)).toBe(11881);
    expect(at(v, 0, 0, 0)).toBe(10712);
    expect(at(v, 32, 40, 24)).toBe(2971);
    expect(at(v, 5, 30, 10)).toBe(7373);
    // The header is kept byte for byte, in its own (big-endian) order.
    expect(new DataView(v.niftiHeader!.buffer).getInt32(0, false)).toBe(348);
  });

  it('reads functional.nii: 4D with scl_slope/scl_inter applied', () => {
    const v = readNifti(load('functional.nii'), 'functional.nii');
    expect(v.dims).toEqual([17, 21, 3, 20]);
    expect(v.spacingMm).toEqual([4, 4, 8]);
    expectAffine(v.affine, [-4, 0, 0, 32, 0, 4, 0, -40, 0, 0, 8, 0, 0, 0, 0, 1]);
    expect(sum(v.data) / 77913290.36292362).toBeCloseTo(1, 6);
    expect(sum(v.data, 17 * 21 * 3 * 19) / 3888072.273083091).toBeCloseTo(1, 6);
    expect(at(v, 8, 10, 1, 0)).toBeCloseTo(3865.7654151320457, 2);
    expect(at(v, 0, 0, 0, 19)).toBeCloseTo(3971.1089502573013, 2);
    expect(at(v, 16, 20, 2, 7)).toBeCloseTo(3032.8954470157623, 2);
    expect(Math.min(...v.data)).toBeCloseTo(629.826171875, 2);
  });

  it('reads example_nifti2.nii.gz: NIfTI-2, 4D, keeps the 540-byte header', () => {
    const v = readNifti(load('example_nifti2.nii.gz'), 'example_nifti2.nii.gz');
    expect(v.dims).toEqual([32, 20, 12, 2]);
    expect(v.spacingMm[2]).toBeCloseTo(2.199999094, 6);
    expectAffine(v.affine, EX4D_AFFINE);
    expect(sum(v.data)).toBe(6926802);
    expect(sum(v.data, 32 * 20 * 12)).toBe(3465054);
    expect(at(v, 16, 10, 6, 1)).toBe(266);
    expect(at(v, 0, 0, 0, 0)).toBe(424);
    expect(at(v, 31, 19, 11, 0)).toBe(484);
    expect(v.niftiHeader).toHaveLength(540);
  });

  it('reads standard.nii.gz: uint8, sform only (qform_code 0)', () => {
    const v = readNifti(load('standard.nii.gz'), 'standard.nii.gz');
    expect(v.dims).toEqual([4, 5, 7, 1]);
    expect(v.spacingMm).toEqual([1, 3, 2]);
    expectAffine(v.affine, [1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]);
    expect(sum(v.data)).toBe(7650);
    expect(at(v, 1, 2, 3)).toBe(255);
  });

  it('reads reoriented_anat_moved.nii: big-endian float32', () => {
    const v = readNifti(load('reoriented_anat_moved.nii'), 'reoriented_anat_moved.nii');
    expect(v.dims).toEqual([21, 26, 22, 1]);
    expectAffine(v.affine, [4, 0, 0, -35.29789733886719, 0, 4, 0, -47.97758483886719, 0, 0, 4, -27.599409103393555, 0, 0, 0, 1]);
    expect(sum(v.data) / 32739769.449157715).toBeCloseTo(1, 6);
    expect(at(v, 10, 13, 11)).toBeCloseTo(8117.22021484375, 3);
    expect(at(v, 3, 4, 5)).toBeCloseTo(5375.2294921875, 3);
  });

  it('sets NaN voxels to 0 and says so (resampled_anat_moved.nii has 153)', () => {
    const v = readNifti(load('resampled_anat_moved.nii'), 'resampled_anat_moved.nii');
    expect(v.dims).toEqual([17, 21, 3, 1]);
    expect(v.data.every(Number.isFinite)).toBe(true);
    expect(sum(v.data) / 7749957.09866333).toBeCloseTo(1, 6);
    expect(at(v, 0, 0, 0)).toBe(0);
    expect(at(v, 8, 10, 1)).toBeCloseTo(10849.904296875, 3);
    expect(v.source.note).toContain('153 NaN/infinite voxels set to 0');
  });

  it('uses the qform when sform_code is 0, and pixdim scaling when both codes are 0', () => {
    const b = raw('example4d.nii.gz');
    const dv = new DataView(b.buffer);
    dv.setInt16(254, 0, true); // sform_code = 0
    const q = readNifti(b, 'qform.nii');
    expectAffine(q.affine, EX4D_QFORM, 1e-4);
    dv.setInt16(252, 0, true); // qform_code = 0
    const s = readNifti(b, 'none.nii');
    expectAffine(s.affine, [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2.199999094, 0, 0, 0, 0, 1]);
    expect(s.source.note).toMatch(/no usable sform\/qform/);
  });

  it('sniffs gzip from the bytes, not the name', () => {
    const v = readNifti(gzipSync(load('anatomical.nii')), 'anatomical.nii');
    expect(v.dims).toEqual([33, 41, 25, 1]);
    expect(sum(v.data)).toBe(284166082);
    const w = readNifti(raw('standard.nii.gz'), 'standard.nii.gz');
    expect(sum(w.data)).toBe(7650);
  });

  it('reads a multi-member gzip (bgzip-style concatenated members)', () => {
    const b = load('anatomical.nii');
    const cut = 30001;
    const two = new Uint8Array([...gzipSync(b.subarray(0, cut)), ...gzipSync(b.subarray(cut))]);
    const v = readNifti(two, 'anatomical.nii.gz');
    expect(v.dims).toEqual([33, 41, 25, 1]);
    expect(sum(v.data)).toBe(284166082);
    const padded = new Uint8Array([...gzipSync(b), ...new Uint8Array(512)]); // zero padding after the stream
    expect(sum(readNifti(padded, 'anatomical.nii.gz').data)).toBe(284166082);
  });

  it('accepts trailing unit dimensions (dim[0] = 5 with dim[5] = 1)', () => {
    const b = raw('standard.nii.gz');
    const dv = new DataView(b.buffer);
    dv.setInt16(40, 5, true);
    dv.setInt16(48, 1, true);
    dv.setInt16(50, 1, true);
    const v = readNifti(b, 'five.nii');
    expect(v.dims).toEqual([4, 5, 7, 1]);
    expect(sum(v.data)).toBe(7650);
  });

  describe('refuses what it cannot read, with the reason', () => {
    it('a .hdr of an .hdr/.img pair', () => {
      expectLoupeError(() => readNifti(load('nifti1.hdr'), 'nifti1.hdr'), 'UNSUPPORTED_FILE', /nifti1\.hdr: .*\.hdr\/\.img pair/);
      expectLoupeError(() => readNifti(load('nifti2.hdr'), 'nifti2.hdr'), 'UNSUPPORTED_FILE', /NIfTI-2 \.hdr\/\.img pair/);
    });
    it('ANALYZE 7.5', () => expectLoupeError(() => readNifti(load('analyze.hdr'), 'analyze.hdr'), 'UNSUPPORTED_FILE', /ANALYZE 7\.5/));
    it('more than four dimensions (CIFTI dconn)', () =>
      expectLoupeError(() => readNifti(load('row_major.dconn.nii'), 'row_major.dconn.nii'), 'UNSUPPORTED_FILE', /6D data \(dim\[5\] = 10/));
    it('other formats, named', () => {
      expectLoupeError(() => readNifti(load('test.mgz'), 'test.mgz'), 'UNSUPPORTED_FILE', /FreeSurfer MGH/);
      expectLoupeError(() => readNifti(load('0.dcm'), '0.dcm'), 'UNSUPPORTED_FILE', /a DICOM file/);
      expectLoupeError(() => readNifti(load('minc2_4d.mnc'), 'minc2_4d.mnc'), 'UNSUPPORTED_FILE', /HDF5/);
    });
    it('RGB and complex datatypes', () => {
      for (const [code, what] of [
        [128, /RGB24/],
        [32, /complex64/],
        [1792, /complex128/],
      ] as const) {
        const b = raw('standard.nii.gz');
        new DataView(b.buffer).setInt16(70, code, true);
        expectLoupeError(() => readNifti(b, 'x.nii'), 'UNSUPPORTED_FILE', what);
      }
    });
    it('a truncated .nii', () => {
      const e = expectLoupeError(() => readNifti(load('anatomical.nii').subarray(0, 20000), 'anatomical.nii'), 'CORRUPT_VOLUME');
      expect(e.message).toMatch(/^anatomical\.nii: truncated: .*33×41×25×1 int16 voxels \(67650 bytes from byte 352\).*only 20000 bytes/);
    });
    it('a truncated .nii.gz', () => {
      const b = load('example4d.nii.gz');
      expectLoupeError(() => readNifti(b.subarray(0, b.length >> 1), 'example4d.nii.gz'), 'CORRUPT_VOLUME', /gzip stream is truncated or damaged/);
    });
    it('a file cut inside the header', () =>
      expectLoupeError(() => readNifti(load('anatomical.nii').subarray(0, 200), 'a.nii'), 'CORRUPT_VOLUME', /header needs 348 bytes but the file has only 200/));
    it('garbage and empty input', () => {
      const junk = new Uint8Array(1000).map((_, i) => (i * 7919) % 251);
      expectLoupeError(() => readNifti(junk, 'junk.nii'), 'CORRUPT_VOLUME', /junk\.nii: not a NIfTI file/);
      expectLoupeError(() => readNifti(new Uint8Array(0), 'empty.nii'), 'CORRUPT_VOLUME', /too short/);
    });
    it('nonsense dimensions', () => {
      const b = raw('standard.nii.gz');
      new DataView(b.buffer).setInt16(44, 0, true); // dim[2] = 0
      expectLoupeError(() => readNifti(b, 'x.nii'), 'CORRUPT_VOLUME', /invalid dim\[2\] = 0/);
      const c = raw('standard.nii.gz');
      new DataView(c.buffer).setInt16(70, 3, true);
      expectLoupeError(() => readNifti(c, 'x.nii'), 'CORRUPT_VOLUME', /unknown NIfTI datatype code 3/);
    });
  });
});

/** A little-endian NIfTI-1 with the given datatype and raw voxel bytes, built from a label-map header. */
function synthetic(datatype: number, bitpix: number, voxels: ArrayBufferView, dims: [number, number, number], opts: { slope?: number; inter?: number; bigEndian?: boolean } = {}): Uint8Array {
  const like: Volume = {
    data: new Float32Array(dims[0] * dims[1] * dims[2]),
    dims: [...dims, 1],
    spacingMm: [1, 2, 3],
    affine: [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1],
    source: { format: 'nifti', name: 'x' },
  };
  const header = writeNiftiLabels(new Uint8Array(like.data.length), like, { gzip: false }).slice(0, 352);
  const dv = new DataView(header.buffer);
  dv.setInt16(70, datatype, true);
  dv.setInt16(72, bitpix, true);
  dv.setFloat32(112, opts.slope ?? 1, true);
  dv.setFloat32(116, opts.inter ?? 0, true);
  const body = new Uint8Array(voxels.buffer, voxels.byteOffset, voxels.byteLength).slice();
  const out = new Uint8Array(352 + body.length);
  out.set(header);
  out.set(body, 352);
  if (opts.bigEndian) {
    // Byte-swap every header field and every voxel: a faithful big-endian file.
    const swap = (o: number, n: number) => out.subarray(o, o + n).reverse();
    swap(0, 4);
    swap(32, 4);
    swap(36, 2);
    for (let i = 40; i < 76; i += 2) swap(i, 2);
    for (let i = 76; i < 120; i += 4) swap(i, 4);
    swap(120, 2);
    for (let i = 124; i < 148; i += 4) swap(i, 4);
    swap(252, 2);
    swap(254, 2);
    for (let i = 256; i < 328; i += 4) swap(i, 4);
    const bytes = bitpix / 8;
    if (bytes > 1) for (let i = 352; i < out.length; i += bytes) swap(i, bytes);
  }
  return out;
}

describe('readNifti datatypes (synthetic files)', () => {
  const dims: [number, number, number] = [2, 2, 1];
  const cases: [string, number, number, ArrayBufferView, number[]][] = [
    ['uint8', 2, 8, new Uint8Array([0, 1, 200, 255]), [0, 1, 200, 255]],
    ['int8', 256, 8, new Int8Array([-128, -1, 0, 127]), [-128, -1, 0, 127]],
    ['int16', 4, 16, new Int16Array([-32768, -2, 3, 32767]), [-32768, -2, 3, 32767]],
    ['uint16', 512, 16, new Uint16Array([0, 1, 40000, 65535]), [0, 1, 40000, 65535]],
    ['int32', 8, 32, new Int32Array([-2000000, -1, 5, 2000000]), [-2000000, -1, 5, 2000000]],
    ['uint32', 768, 32, new Uint32Array([0, 7, 3000000, 4000000000]), [0, 7, 3000000, 4000000000]],
    ['float32', 16, 32, new Float32Array([-1.5, 0, 0.25, 1e6]), [-1.5, 0, 0.25, 1e6]],
    ['float64', 64, 64, new Float64Array([-1.5, 0, 0.125, 12345.5]), [-1.5, 0, 0.125, 12345.5]],
    ['int64', 1024, 64, new BigInt64Array([-5n, 0n, 6n, 1000000n]), [-5, 0, 6, 1000000]],
  ];
  for (const [label, code, bitpix, voxels, expected] of cases) {
    it(`${label}, both byte orders`, () => {
      for (const bigEndian of [false, true]) {
        const v = readNifti(synthetic(code, bitpix, voxels, dims, { bigEndian }), `${label}.nii`);
        expect(v.dims).toEqual([2, 2, 1, 1]);
        expect(v.spacingMm).toEqual([1, 2, 3]);
        expect(Array.from(v.data)).toEqual(expected.map((x) => Math.fround(x)));
      }
    });
  }
  it('applies slope and intercept; slope 0 means no scaling', () => {
    const v = readNifti(synthetic(4, 16, new Int16Array([0, 1, 2, -3]), dims, { slope: 0.5, inter: 10 }), 's.nii');
    expect(Array.from(v.data)).toEqual([10, 10.5, 11, 8.5]);
    const w = readNifti(synthetic(4, 16, new Int16Array([0, 1, 2, -3]), dims, { slope: 0, inter: 10 }), 's.nii');
    expect(Array.from(w.data)).toEqual([0, 1, 2, -3]);
    const be = readNifti(synthetic(4, 16, new Int16Array([0, 1, 2, -3]), dims, { slope: 0.5, inter: 10, bigEndian: true }), 's.nii');
    expect(Array.from(be.data)).toEqual([10, 10.5, 11, 8.5]);
  });
  it('reads data at an unaligned vox_offset', () => {
    // vox_offset 353 (odd) with int16 data: must not need an aligned typed-array view.
    const base = synthetic(4, 16, new Int16Array([1, -2, 300, -400]), dims);
    const b = new Uint8Array(base.length + 1);
    b.set(base.subarray(0, 352));
    b.set(base.subarray(352), 353);
    new DataView(b.buffer).setFloat32(108, 353, true);
    expect(Array.from(readNifti(b, 'odd.nii').data)).toEqual([1, -2, 300, -400]);
  });
});

function readHeaderField(file: Uint8Array) {
  const b = file[0] === 0x1f ? gunzipSync(file) : file;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    b,
    sizeof: dv.getInt32(0, true),
    dim: Array.from({ length: 8 }, (_, i) => dv.getInt16(40 + i * 2, true)),
    intent: dv.getInt16(68, true),
    datatype: dv.getInt16(70, true),
    bitpix: dv.getInt16(72, true),
    voxOffset: dv.getFloat32(108, true),
    slope: dv.getFloat32(112, true),
    inter: dv.getFloat32(116, true),
    calMax: dv.getFloat32(124, true),
    calMin: dv.getFloat32(128, true),
    descrip: String.fromCharCode(...b.subarray(148, 148 + 15)),
    magic: String.fromCharCode(...b.subarray(344, 348)),
    extension: Array.from(b.subarray(348, 352)),
  };
}

/** Element-wise equality without vitest's (slow, for big typed arrays) deep diff. */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  expect(actual.length).toBe(expected.length);
  let firstDiff = -1;
  for (let i = 0; i < actual.length && firstDiff < 0; i++) if (actual[i] !== expected[i]) firstDiff = i;
  expect(firstDiff, firstDiff >= 0 ? `value ${firstDiff}: ${actual[firstDiff]} ≠ ${expected[firstDiff]}` : '').toBe(-1);
}

function labelsFor(v: Volume): Uint8Array {
  const n = v.data.length;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i * 31 + (i >> 7)) % 5;
  return labels;
}

describe.skipIf(!haveNib)('writeNiftiLabels round trip', () => {
  for (const f of ['example4d.nii.gz', 'anatomical.nii', 'functional.nii', 'example_nifti2.nii.gz', 'standard.nii.gz', 'reoriented_anat_moved.nii']) {
    it(`keeps labels, dims, spacing and affine of ${f}`, () => {
      const src = readNifti(load(f), f);
      const labels = labelsFor(src);
      for (const gzip of [true, false]) {
        const bytes = writeNiftiLabels(labels, src, { gzip });
        expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gzip);
        const back = readNifti(bytes, `${f}.labels.nii${gzip ? '.gz' : ''}`);
        expect(back.dims).toEqual(src.dims);
        back.spacingMm.forEach((s, i) => expect(s).toBeCloseTo(src.spacingMm[i], 5));
        expectAffine(back.affine, src.affine, 1e-4);
        expectSameValues(back.data, labels);
        expect(back.source.note).toBeUndefined();
      }
    });
  }

  it('writes the NIfTI-1 label header fields', () => {
    const src = readNifti(load('example4d.nii.gz'), 'example4d.nii.gz');
    const labels = labelsFor(src);
    const h = readHeaderField(writeNiftiLabels(labels, src));
    expect(h.sizeof).toBe(348);
    expect(h.dim).toEqual([4, 128, 96, 24, 2, 1, 1, 1]);
    expect(h.intent).toBe(1002);
    expect(h.datatype).toBe(2);
    expect(h.bitpix).toBe(8);
    expect(h.voxOffset).toBe(352);
    expect([h.slope, h.inter, h.calMin, h.calMax]).toEqual([1, 0, 0, 4]);
    expect(h.descrip).toBe('Loupe label map');
    expect(h.magic).toBe('n+1\0');
    expect(h.extension).toEqual([0, 0, 0, 0]);
    expect(h.b.length).toBe(352 + labels.length);
    // The qform is copied too: reading it alone gives the source's qform.
    const qOnly = h.b.slice();
    new DataView(qOnly.buffer).setInt16(254, 0, true);
    expectAffine(readNifti(qOnly, 'q.nii').affine, EX4D_QFORM, 1e-4);
  });

  it('writes dim[0] = 3 for a 3D source', () => {
    const src = readNifti(load('anatomical.nii'), 'anatomical.nii');
    expect(readHeaderField(writeNiftiLabels(labelsFor(src), src)).dim).toEqual([3, 33, 41, 25, 1, 1, 1, 1]);
  });

  it('converts a NIfTI-2 source to NIfTI-1 fields', () => {
    const src = readNifti(load('example_nifti2.nii.gz'), 'example_nifti2.nii.gz');
    const h = readHeaderField(writeNiftiLabels(labelsFor(src), src, { gzip: false }));
    expect(h.sizeof).toBe(348);
    expect(h.dim).toEqual([4, 32, 20, 12, 2, 1, 1, 1]);
    const qOnly = h.b.slice();
    new DataView(qOnly.buffer).setInt16(254, 0, true);
    expectAffine(readNifti(qOnly, 'q.nii').affine, EX4D_QFORM, 1e-4);
  });

  it('builds the geometry from the affine when the header no longer matches it', () => {
    const src = readNifti(load('anatomical.nii'), 'anatomical.nii');
    const moved: Volume = { ...src, affine: src.affine.map((v, i) => (i === 3 ? v + 10 : v)) };
    const back = readNifti(writeNiftiLabels(labelsFor(moved), moved), 'moved.nii.gz');
    expectAffine(back.affine, moved.affine);
  });
});

describe('writeNiftiLabels without a NIfTI source', () => {
  // An oblique, left-handed (DICOM-like) geometry: sform and a matching qform must both be written.
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const like: Volume = {
    data: new Float32Array(5 * 4 * 3),
    dims: [5, 4, 3, 1],
    spacingMm: [0.7, 0.8, 2.5],
    affine: [-0.7 * c, 0, 2.5 * s, 12.5, 0, -0.8, 0, 30.25, 0.7 * s, 0, 2.5 * c, -40, 0, 0, 0, 1],
    source: { format: 'dicom', name: 'series' },
  };
  const labels = Uint8Array.from({ length: 60 }, (_, i) => i % 3);

  it('round-trips labels, spacing and affine through the sform', () => {
    const back = readNifti(writeNiftiLabels(labels, like), 'seg.nii.gz');
    expect(back.dims).toEqual([5, 4, 3, 1]);
    back.spacingMm.forEach((v, i) => expect(v).toBeCloseTo(like.spacingMm[i], 6));
    expectAffine(back.affine, like.affine);
    expectSameValues(back.data, labels);
  });

  it('writes a qform equivalent to the affine', () => {
    const b = writeNiftiLabels(labels, like, { gzip: false });
    new DataView(b.buffer).setInt16(254, 0, true);
    expectAffine(readNifti(b, 'q.nii').affine, like.affine);
  });

  it('refuses a label array of the wrong length', () => {
    expect(() => writeNiftiLabels(new Uint8Array(59), like)).toThrow(/59 labels for a 5×4×3×1 volume/);
  });
});
