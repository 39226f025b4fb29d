import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoupeError } from '../../errors';
import type { Volume } from '../volume';
import { decodeRle } from './decode';
import { isDicom } from './parse';
import { readDicomSeries } from './series';

/** pydicom's and nibabel's test files, shipped by Debian (python3-pydicom, python3-nibabel). References: pydicom 2.3. */
const PYD = '/usr/lib/python3/dist-packages/pydicom/data/test_files/';
const NIB = '/usr/lib/python3/dist-packages/nibabel/tests/data/';
const havePyd = existsSync(PYD);
const haveNib = existsSync(NIB + '0.dcm');
if (!havePyd) console.warn(`skipping DICOM tests on real files: ${PYD} missing (apt-get install python3-pydicom)`);
if (!haveNib) console.warn(`skipping nibabel DICOM series test: ${NIB} missing (apt-get install python3-nibabel)`);

const file = (dir: string, name: string) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) });
const pyd = (name: string) => file(PYD, name);
const readOne = (name: string) => readDicomSeries([pyd(name)]);

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}
/** A dropped folder: every file below dir, named by its path relative to PYD (like webkitRelativePath). */
const folder = (dir: string) => walk(join(PYD, dir)).map((p) => ({ name: p.slice(PYD.length), bytes: new Uint8Array(readFileSync(p)) }));

const at = (v: Volume, x: number, y: number, z: number, t = 0) => v.data[((t * v.dims[2] + z) * v.dims[1] + y) * v.dims[0] + x];

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function expectAffine(actual: number[], expected: number[], digits = 4) {
  expect(actual).toHaveLength(16);
  actual.forEach((v, i) => expect(v, `affine[${i}]`).toBeCloseTo(expected[i], digits));
}

function expectLoupeError(f: () => unknown, code: string, message?: RegExp): LoupeError {
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

describe.skipIf(!havePyd)('readDicomSeries: single pydicom files', () => {
  const MR_AFFINE = [-0.3125, 0, 0, 83.9063, 0, -0.3125, 0, 91.2, 0, 0, 0.8, 6.6406, 0, 0, 0, 1];

  for (const name of ['MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_expb.dcm', 'MR_small_RLE.dcm', 'MR_small_padded.dcm']) {
    it(`reads ${name} (same image in another encoding)`, () => {
      const v = readOne(name);
      expect(v.dims).toEqual([64, 64, 1, 1]);
      expect(v.spacingMm).toEqual([0.3125, 0.3125, 0.8]); // dz: single slice → SliceThickness
      expectAffine(v.affine, MR_AFFINE);
      expect(sum(v.data)).toBe(2125338);
      expect(at(v, 0, 0, 0)).toBe(905);
      expect(at(v, 7, 5, 0)).toBe(847);
      expect(at(v, 32, 32, 0)).toBe(182);
      expect(at(v, 60, 10, 0)).toBe(211);
      expect(v.source).toEqual({ format: 'dicom', name, modality: 'MR' });
    });
  }

  it('decodes RLE Lossless to exactly the pixels of the uncompressed file', () => {
    expect(readOne('MR_small_RLE.dcm').data).toEqual(readOne('MR_small.dcm').data);
    expect(readOne('rtdose_rle.dcm').data).toEqual(readOne('rtdose.dcm').data); // 32-bit, 15 frames, 4 segments each
    expect(readOne('rtdose_rle_1frame.dcm').data).toEqual(readOne('rtdose_1frame.dcm').data);
  });

  it('reads CT_small.dcm in Hounsfield units (RescaleIntercept −1024)', () => {
    const v = readOne('CT_small.dcm');
    expect(v.dims).toEqual([128, 128, 1, 1]);
    expect(v.spacingMm[0]).toBeCloseTo(0.661468, 6);
    expect(v.spacingMm[1]).toBeCloseTo(0.661468, 6);
    expect(v.spacingMm[2]).toBe(5); // SpacingBetweenSlices
    expectAffine(v.affine, [-0.661468, 0, 0, 158.135803, 0, -0.661468, 0, 179.035797, 0, 0, 5, -75.699997, 0, 0, 0, 1]);
    expect(sum(v.data)).toBe(-1950906);
    expect(Math.min(...v.data)).toBe(-896);
    expect(Math.max(...v.data)).toBe(1167);
    expect(at(v, 7, 5, 0)).toBe(-838);
    expect(at(v, 64, 64, 0)).toBe(904);
    expect(at(v, 100, 30, 0)).toBe(-755);
    expect(v.source.modality).toBe('CT');
  });

  it('reads the deflated image_dfl.dcm', () => {
    const v = readOne('image_dfl.dcm');
    expect(v.dims).toEqual([512, 512, 1, 1]);
    expect(sum(v.data)).toBe(33322688);
    expect(at(v, 7, 5, 0)).toBe(255);
    expect(at(v, 256, 256, 0)).toBe(65);
    expect(at(v, 500, 10, 0)).toBe(90);
    expect(v.affine).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(v.source.note).toMatch(/no PixelSpacing/);
    expect(v.source.note).toMatch(/orientation unknown/);
  });

  for (const name of ['rtdose.dcm', 'rtdose_expb.dcm', 'rtdose_rle.dcm']) {
    it(`reads the 15-frame ${name}: GridFrameOffsetVector positions, 32-bit, DoseGridScaling`, () => {
      const v = readOne(name);
      expect(v.dims).toEqual([10, 10, 15, 1]);
      expect(v.spacingMm).toEqual([10, 10, 5]);
      expectAffine(v.affine, [-10, 0, 0, -189.43125, 0, -10, 0, -199.43125, 0, 0, 5, -761.87, 0, 0, 0, 1]);
      expect(sum(v.data)).toBeCloseTo(1519.91, 3);
      expect(at(v, 7, 5, 3)).toBeCloseTo(0.984, 6);
      expect(at(v, 0, 0, 0)).toBeCloseTo(1.249, 6);
      expect(at(v, 9, 9, 14)).toBeCloseTo(0.799, 6);
      expect(v.source.modality).toBe('RTDOSE');
      expect(v.source.note).toMatch(/DoseGridScaling/);
    });
  }

  describe('compressed transfer syntaxes → UNSUPPORTED_COMPRESSION naming the syntax', () => {
    const cases: [string, RegExp][] = [
      ['JPEG2000.dcm', /JPEG2000\.dcm: .*JPEG 2000 \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.91\)/],
      ['JPEG-lossy.dcm', /JPEG Extended \(Process 2 & 4\) \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.51\)/],
      ['JPGExtended.dcm', /1\.2\.840\.10008\.1\.2\.4\.51/],
      ['MR_small_jp2klossless.dcm', /JPEG 2000 \(Lossless Only\) \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.90\)/],
      ['MR_small_jpeg_ls_lossless.dcm', /JPEG-LS Lossless \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.80\)/],
      ['693_J2KI.dcm', /1\.2\.840\.10008\.1\.2\.4\.91/],
      ['J2K_pixelrep_mismatch.dcm', /1\.2\.840\.10008\.1\.2\.4\.90/],
    ];
    for (const [name, message] of cases) it(name, () => expectLoupeError(() => readOne(name), 'UNSUPPORTED_COMPRESSION', message));
  });

  it('refuses every colour file (RGB, YBR, palette), compressed or not, as UNSUPPORTED_FILE', () => {
    const colour = readdirSync(PYD).filter((n) => /^SC_(rgb|ybr|jpeg)/.test(n) || n === 'ExplVR_BigEnd.dcm' || n === 'GDCMJ2K_TextGBR.dcm');
    expect(colour.length).toBeGreaterThanOrEqual(20);
    for (const name of colour)
      expectLoupeError(() => readOne(name), 'UNSUPPORTED_FILE', /colour DICOM \(secondary capture\) is not a scan Loupe can analyse/);
  });

  it('names non-image DICOM objects', () => {
    expectLoupeError(() => readOne('rtplan.dcm'), 'UNSUPPORTED_FILE', /^rtplan\.dcm is an RT Plan \(Modality RTPLAN\)/);
    expectLoupeError(() => readOne('rtstruct.dcm'), 'UNSUPPORTED_FILE', /RT Structure Set \(Modality RTSTRUCT\)/);
    expectLoupeError(() => readOne('test-SR.dcm'), 'UNSUPPORTED_FILE', /Comprehensive Structured Report \(Modality SR\)/);
    expectLoupeError(() => readOne('reportsi.dcm'), 'UNSUPPORTED_FILE', /Basic Text Structured Report/);
    expectLoupeError(() => readOne('waveform_ecg.dcm'), 'UNSUPPORTED_FILE', /ECG waveform/);
    expectLoupeError(() => readOne('liver_1frame.dcm'), 'UNSUPPORTED_FILE', /Segmentation \(SEG\)/);
    expectLoupeError(() => readDicomSeries([file(PYD + 'dicomdirtests', 'DICOMDIR')]), 'UNSUPPORTED_FILE', /DICOMDIR/);
    // Raw data sets without file meta, explicit VR in both byte orders: parsed, and recognised as RT Ion Plans.
    expectLoupeError(() => readOne('ExplVR_LitEndNoMeta.dcm'), 'UNSUPPORTED_FILE', /RT Ion Plan \(Modality RTPLAN\)/);
    expectLoupeError(() => readOne('ExplVR_BigEndNoMeta.dcm'), 'UNSUPPORTED_FILE', /RT Ion Plan \(Modality RTPLAN\)/);
  });

  it('reports truncated and damaged files as CORRUPT_VOLUME', () => {
    expectLoupeError(() => readOne('MR_truncated.dcm'), 'CORRUPT_VOLUME', /^MR_truncated\.dcm: the DICOM file is truncated or damaged/);
    expectLoupeError(() => readOne('rtplan_truncated.dcm'), 'CORRUPT_VOLUME', /rtplan_truncated\.dcm/);
    const mr = pyd('MR_small.dcm');
    expectLoupeError(() => readDicomSeries([{ name: 'cut.dcm', bytes: mr.bytes.subarray(0, mr.bytes.length - 1000) }]), 'CORRUPT_VOLUME', /^cut\.dcm: /);
    const garbage = new Uint8Array(4000).map((_, i) => (i * 7919 + 13) % 251);
    garbage.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM", then nonsense
    expectLoupeError(() => readDicomSeries([{ name: 'garbage.dcm', bytes: garbage }]), 'CORRUPT_VOLUME', /garbage\.dcm/);
    expectLoupeError(() => readDicomSeries([{ name: 'empty.dcm', bytes: new Uint8Array(0) }]), 'UNSUPPORTED_FILE', /empty\.dcm is not a DICOM file/);
  });

  it('refuses a file that is not DICOM', () => {
    expectLoupeError(() => readOne('README.txt'), 'UNSUPPORTED_FILE', /^README\.txt is not a DICOM file/);
    expectLoupeError(() => readDicomSeries([]), 'UNSUPPORTED_FILE', /no DICOM files/);
  });
});

describe.skipIf(!havePyd)('isDicom', () => {
  it('recognises Part-10 files and raw data sets', () => {
    for (const name of ['MR_small.dcm', 'MR_small_bigendian.dcm', 'rtplan.dcm', 'image_dfl.dcm', 'ExplVR_LitEndNoMeta.dcm', 'ExplVR_BigEndNoMeta.dcm', 'no_meta.dcm'])
      expect(isDicom(pyd(name).bytes), name).toBe(true);
  });
  it('rejects other files', () => {
    expect(isDicom(pyd('README.txt').bytes)).toBe(false);
    expect(isDicom(pyd('zipMR.gz').bytes)).toBe(false);
    expect(isDicom(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBe(false);
    expect(isDicom(new Uint8Array(0))).toBe(false);
  });
});

/** The data set of a Part-10 file without its preamble, "DICM" and (unless keepMeta) file meta group. */
function stripMeta(bytes: Uint8Array, keepMeta = false): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(dv.getUint32(132, true), '(0002,0000) group length first').toBe(0x00000002);
  return bytes.slice(keepMeta ? 132 : 144 + dv.getUint32(140, true));
}

describe.skipIf(!havePyd)('data sets without the 128-byte preamble and "DICM" (raw, or file meta only)', () => {
  const same = (a: Volume, b: Volume) => {
    expect(a.dims).toEqual(b.dims);
    expect(a.spacingMm).toEqual(b.spacingMm);
    expectAffine(a.affine, b.affine);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(a.source.modality).toBe(b.source.modality);
  };

  it("reads pydicom's no_meta.dcm (CT_small.dcm without file meta, cut one padding byte late) as CT_small.dcm", () => {
    const v = readOne('no_meta.dcm');
    expect(v.source.modality).toBe('CT');
    expect(v.dims).toEqual([128, 128, 1, 1]);
    same(v, readOne('CT_small.dcm'));
  });

  it('detects implicit VR little endian (MR_small_implicit.dcm without file meta)', () => {
    const bytes = stripMeta(pyd('MR_small_implicit.dcm').bytes);
    expect(bytes[4] | (bytes[5] << 8), 'implicit: a length, not a VR').not.toBe(0x5343);
    expect(isDicom(bytes)).toBe(true);
    same(readDicomSeries([{ name: 'MR_small_implicit', bytes }]), readOne('MR_small_implicit.dcm'));
  });

  it('detects explicit VR little and big endian data sets without file meta', () => {
    same(readDicomSeries([{ name: 'MR_small', bytes: stripMeta(pyd('MR_small.dcm').bytes) }]), readOne('MR_small.dcm'));
    same(readDicomSeries([{ name: 'MR_small_bigendian', bytes: stripMeta(pyd('MR_small_bigendian.dcm').bytes) }]), readOne('MR_small_bigendian.dcm'));
  });

  it('reads a file meta group without the preamble and "DICM", using its transfer syntax', () => {
    for (const name of ['MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'image_dfl.dcm'])
      same(readDicomSeries([{ name, bytes: stripMeta(pyd(name).bytes, true) }]), readOne(name));
  });

  it('skips at most a few NUL/space bytes before the data set, and nothing else', () => {
    const raw = stripMeta(pyd('MR_small.dcm').bytes);
    const pad = (lead: number[]) => new Uint8Array([...lead, ...raw]);
    expect(isDicom(pad([0x20, 0x00, 0x20]))).toBe(true);
    expect(isDicom(pad([0x41]))).toBe(false);
    expect(isDicom(pad([0, 0, 0, 0, 0, 0, 0, 0]))).toBe(false);
  });
});

describe.skipIf(!havePyd)('readDicomSeries: folders from pydicom dicomdirtests', () => {
  it('reads a 5-slice CT series, sorted along the normal (instance numbers descending in z)', () => {
    const v = readDicomSeries(folder('dicomdirtests/98892001/CT5N'));
    expect(v.dims).toEqual([16, 16, 5, 1]);
    expect(v.spacingMm[0]).toBeCloseTo(0.488281, 6);
    expect(v.spacingMm[2]).toBeCloseTo(2.5, 6);
    expectAffine(v.affine, [-0.488281, 0, 0, 72.199997, 0, -0.488281, 0, 143, 0, 0, 2.5, -1.2375, 0, 0, 0, 1]);
    expect(sum(v.data)).toBe(-177320);
    expect(at(v, 7, 5, 0)).toBe(-100); // file 3353, the lowest slice
    expect(at(v, 3, 11, 4)).toBe(23);
    expect(at(v, 15, 15, 1)).toBe(-84);
    expect(v.source).toEqual({ format: 'dicom', name: 'CT5N', modality: 'CT' });
  });

  it('uses the median slice gap and notes uneven spacing (CT2: one slice 200 mm away)', () => {
    const v = readDicomSeries(folder('dicomdirtests/77654033/CT2'));
    expect(v.dims).toEqual([16, 16, 4, 1]);
    expect(v.spacingMm[2]).toBeCloseTo(1.25, 5);
    expectAffine(v.affine, [-0.488281, 0, 0, 125, 0, -0.488281, 0, 128.100006, 0, 0, 1.25, -99.480003, 0, 0, 0, 1]);
    expect(sum(v.data)).toBe(571235);
    expect(at(v, 7, 5, 0)).toBe(-963);
    expect(at(v, 3, 11, 3)).toBe(875);
    expect(v.source.note).toMatch(/slice spacing is uneven \(1\.25 to 202\.5 mm/);
  });

  it('picks the series with the most images and names the others', () => {
    const v = readDicomSeries(folder('dicomdirtests/77654033'));
    expect(v.dims).toEqual([16, 16, 4, 1]);
    expect(sum(v.data)).toBe(571235);
    expect(v.source.name).toBe('77654033');
    expect(v.source.note).toMatch(/4 series found: read #2 "Routine Brain" \(4 images\); ignored .*"Cervical LAT" \(1\)/);
  });

  it('skips a DICOMDIR and non-DICOM files in a dropped folder, and counts them', () => {
    const files = [...folder('dicomdirtests/98892001/CT5N'), file(PYD + 'dicomdirtests', 'DICOMDIR'), pyd('README.txt'), { name: 'Thumbs.db', bytes: new Uint8Array(64).fill(7) }];
    const v = readDicomSeries(files);
    expect(v.dims).toEqual([16, 16, 5, 1]);
    expect(sum(v.data)).toBe(-177320);
    expect(v.source.note).toMatch(/skipped 2 non-DICOM files and 1 DICOM file without images \(a DICOMDIR/);
  });

  it('refuses a folder with no images (TINY_ALPHA: a DICOMDIR and records without pixel data)', () => {
    expectLoupeError(() => readDicomSeries(folder('dicomdirtests/TINY_ALPHA')), 'UNSUPPORTED_FILE', /none of the 52 files is a DICOM image/);
  });

  it('refuses mixed orientations in one series (a 3-plane localizer, a radial stack)', () => {
    expectLoupeError(() => readDicomSeries(folder('dicomdirtests/98892003/MR2')), 'INCONSISTENT_SERIES', /orientation .* mixed orientations/);
    expectLoupeError(() => readDicomSeries(folder('dicomdirtests/98892003/MR700')), 'INCONSISTENT_SERIES', /MR700\/\d+ has orientation/);
  });

  it('skips a damaged file that belongs to no series being read', () => {
    const junk = pyd('MR_small.dcm').bytes.subarray(0, 600); // header only: cut before the series UID is known
    const v = readDicomSeries([...folder('dicomdirtests/98892001/CT5N'), { name: 'cut.dcm', bytes: junk }]);
    expect(v.dims).toEqual([16, 16, 5, 1]);
    expect(v.source.note).toMatch(/skipped 1 damaged file outside this series \(cut\.dcm/);
  });
});

describe.skipIf(!haveNib)('readDicomSeries: nibabel 0.dcm + 1.dcm (oblique two-slice MR)', () => {
  it('stacks them with the slice gap and oblique RAS affine', () => {
    const v = readDicomSeries([file(NIB, '1.dcm'), file(NIB, '0.dcm')]);
    expect(v.dims).toEqual([256, 256, 2, 1]);
    expect(v.spacingMm[0]).toBeCloseTo(1.796875, 6);
    expect(v.spacingMm[2]).toBeCloseTo(2.999958, 5);
    expectAffine(v.affine, [-1.796875, 0, 0, 805, 0, -1.79685, -0.015708, 825.019119, 0, -0.009408, 2.999916, -75.097641, 0, 0, 0, 1]);
    expect(sum(v.data)).toBe(268369920);
    expect(at(v, 7, 5, 0)).toBe(1287);
    expect(at(v, 3, 11, 1)).toBe(2819);
    expect(at(v, 15, 15, 1)).toBe(3855);
    expect(v.source.name).toBe('2 files');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Synthetic DICOM: a minimal explicit-VR little-endian writer for cases no shipped file covers.

type Value = string | number[] | Uint8Array | Item[];
type Item = [tag: number, vr: string, value: Value][];

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'SQ', 'UT', 'UN', 'UC', 'UR']);

function encodeValue(vr: string, value: Value, implicit: boolean): Uint8Array {
  if (vr === 'SQ') {
    const items = (value as Item[]).map((it) => {
      const body = encodeDataSet(it, implicit);
      const out = new Uint8Array(8 + body.length);
      const dv = new DataView(out.buffer);
      dv.setUint16(0, 0xfffe, true);
      dv.setUint16(2, 0xe000, true);
      dv.setUint32(4, body.length, true);
      out.set(body, 8);
      return out;
    });
    return concat(items);
  }
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (typeof value === 'string') {
    const padded = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
    return Uint8Array.from(padded, (ch) => ch.charCodeAt(0));
  }
  const numbers = value as number[];
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const out = new Uint8Array(numbers.length * size);
  const dv = new DataView(out.buffer);
  numbers.forEach((v, i) => {
    if (vr === 'US') dv.setUint16(i * 2, v, true);
    else if (vr === 'SS') dv.setInt16(i * 2, v, true);
    else if (vr === 'UL') dv.setUint32(i * 4, v, true);
    else if (vr === 'SL') dv.setInt32(i * 4, v, true);
    else if (vr === 'FL') dv.setFloat32(i * 4, v, true);
    else if (vr === 'FD') dv.setFloat64(i * 8, v, true);
    else if (vr === 'AT') {
      dv.setUint16(i * 4, v >>> 16, true);
      dv.setUint16(i * 4 + 2, v & 0xffff, true);
    }
  });
  return out;
}

function encodeDataSet(elements: Item, implicit = false): Uint8Array {
  const parts = [...elements]
    .sort((a, b) => a[0] - b[0])
    .map(([tag, vr, value]) => {
      const body = encodeValue(vr, value, implicit);
      const headerLength = implicit ? 8 : LONG_VRS.has(vr) ? 12 : 8;
      const out = new Uint8Array(headerLength + body.length);
      const dv = new DataView(out.buffer);
      dv.setUint16(0, tag >>> 16, true);
      dv.setUint16(2, tag & 0xffff, true);
      if (implicit) dv.setUint32(4, body.length, true);
      else {
        out[4] = vr.charCodeAt(0);
        out[5] = vr.charCodeAt(1);
        if (LONG_VRS.has(vr)) dv.setUint32(8, body.length, true);
        else dv.setUint16(6, body.length, true);
      }
      out.set(body, headerLength);
      return out;
    });
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A Part-10 file: preamble, "DICM", file meta (explicit LE), then the data set. */
function part10(elements: Item, syntax = '1.2.840.10008.1.2.1'): Uint8Array {
  const metaBody = encodeDataSet([
    [0x00020001, 'OB', new Uint8Array([0, 1])],
    [0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.4'],
    [0x00020003, 'UI', '1.2.3.4'],
    [0x00020010, 'UI', syntax],
  ]);
  const groupLength = encodeDataSet([[0x00020000, 'UL', [metaBody.length]]]);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, groupLength, metaBody, encodeDataSet(elements, syntax === '1.2.840.10008.1.2')]);
}

interface ImageSpec {
  cols?: number;
  rows?: number;
  pixels: number[];
  bits?: number;
  stored?: number;
  high?: number;
  signed?: boolean;
  series?: string;
  description?: string;
  instance?: number;
  position?: number[] | null;
  orientation?: number[] | null;
  spacing?: number[];
  trigger?: number;
  slope?: number;
  intercept?: number;
  photometric?: string;
  frames?: number;
  extra?: Item;
}

/** Raw stored words: numbers are written as unsigned of the allocated size (callers pre-encode sign/garbage bits). */
function pixelBytes(values: number[], bits: number): Uint8Array {
  const out = new Uint8Array((values.length * bits) / 8);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (bits === 8) out[i] = v & 0xff;
    else if (bits === 16) dv.setUint16(i * 2, v & 0xffff, true);
    else dv.setUint32(i * 4, v >>> 0, true);
  });
  return out;
}

function image(s: ImageSpec): Item {
  const bits = s.bits ?? 16;
  const els: Item = [
    [0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.4'],
    [0x00080060, 'CS', 'MR'],
    [0x0020000e, 'UI', s.series ?? '1.2.3.9'],
    [0x00200013, 'IS', String(s.instance ?? 1)],
    [0x00280002, 'US', [1]],
    [0x00280004, 'CS', s.photometric ?? 'MONOCHROME2'],
    [0x00280010, 'US', [s.rows ?? 2]],
    [0x00280011, 'US', [s.cols ?? 3]],
    [0x00280030, 'DS', (s.spacing ?? [0.5, 0.75]).join('\\')],
    [0x00280100, 'US', [bits]],
    [0x00280101, 'US', [s.stored ?? bits]],
    [0x00280102, 'US', [s.high ?? (s.stored ?? bits) - 1]],
    [0x00280103, 'US', [s.signed ? 1 : 0]],
    [0x7fe00010, bits === 8 ? 'OB' : 'OW', pixelBytes(s.pixels, bits)],
  ];
  if (s.description) els.push([0x0008103e, 'LO', s.description]);
  if (s.position !== null) els.push([0x00200032, 'DS', (s.position ?? [0, 0, 0]).join('\\')]);
  if (s.orientation !== null) els.push([0x00200037, 'DS', (s.orientation ?? [1, 0, 0, 0, 1, 0]).join('\\')]);
  if (s.trigger !== undefined) els.push([0x00181060, 'DS', String(s.trigger)]);
  if (s.slope !== undefined) els.push([0x00281053, 'DS', String(s.slope)]);
  if (s.intercept !== undefined) els.push([0x00281052, 'DS', String(s.intercept)]);
  if (s.frames) els.push([0x00280008, 'IS', String(s.frames)]);
  return [...els, ...(s.extra ?? [])];
}

const dcm = (name: string, s: ImageSpec, syntax?: string) => ({ name, bytes: part10(image(s), syntax) });

describe('readDicomSeries: synthetic series', () => {
  it('builds a cine series: frames at the same position ordered by TriggerTime, slices by position', () => {
    // 3 slices × 4 frames, 3×2 pixels; value = 100·z + 10·t + pixel index. Files in scrambled order.
    const files: { name: string; bytes: Uint8Array }[] = [];
    for (let z = 0; z < 3; z++)
      for (let t = 0; t < 4; t++) {
        const triggers = [0, 40, 80, 120];
        files.push(
          dcm(`cine/IM${(t * 7 + z * 5) % 12}`, {
            pixels: Array.from({ length: 6 }, (_, i) => 100 * z + 10 * t + i),
            position: [-5, 10, 20 - 6 * z], // descending z: slice z=2 is lowest
            instance: 1 + ((t * 3 + z) % 12),
            trigger: triggers[(t + 1) % 4] + 1000, // frame order by trigger time is not instance order
          }),
        );
      }
    files.reverse();
    const v = readDicomSeries(files);
    expect(v.dims).toEqual([3, 2, 3, 4]);
    expect(v.spacingMm).toEqual([0.75, 0.5, 6]); // PixelSpacing is [row, col]
    expectAffine(v.affine, [-0.75, 0, 0, 5, 0, -0.5, 0, -10, 0, 0, 6, 8, 0, 0, 0, 1]);
    // Slice index 0 = lowest position = synthetic z 2; frames sorted by trigger time (1000 = t 3, 1040 = t 0, …).
    const tOrder = [3, 0, 1, 2];
    for (let k = 0; k < 3; k++)
      for (let f = 0; f < 4; f++) for (let i = 0; i < 6; i++) expect(at(v, i % 3, Math.floor(i / 3), k, f)).toBe(100 * (2 - k) + 10 * tOrder[f] + i);
    expect(v.source.note).toMatch(/4 frames per slice \(cine\)/);
    expect(v.source.name).toBe('cine');
  });

  it('refuses a cine series with a missing frame (INCONSISTENT_SERIES)', () => {
    const files: { name: string; bytes: Uint8Array }[] = [];
    for (let z = 0; z < 2; z++)
      for (let t = 0; t < 3; t++)
        if (!(z === 1 && t === 2))
          files.push(dcm(`s${z}t${t}.dcm`, { pixels: [0, 0, 0, 0, 0, 0], position: [0, 0, 3 * z], trigger: 50 * t, instance: z * 3 + t + 1 }));
    expectLoupeError(() => readDicomSeries(files), 'INCONSISTENT_SERIES', /s1t0\.dcm\) has 2 frames but the first slice \(s0t0\.dcm\) has 3/);
  });

  it('refuses images of different sizes, naming the odd one', () => {
    const files = [
      dcm('a.dcm', { pixels: [1, 2, 3, 4, 5, 6], position: [0, 0, 0] }),
      dcm('b.dcm', { pixels: [1, 2, 3, 4], cols: 2, position: [0, 0, 1], instance: 2 }),
    ];
    expectLoupeError(() => readDicomSeries(files), 'INCONSISTENT_SERIES', /^b\.dcm is 2×2 pixels but a\.dcm is 3×2/);
  });

  it('picks the larger of two series and names the other in the note', () => {
    const files = [
      dcm('x/1', { pixels: [1, 1, 1, 1, 1, 1], position: [0, 0, 0], series: '1.1', description: 'T1' }),
      dcm('x/2', { pixels: [2, 2, 2, 2, 2, 2], position: [0, 0, 2], series: '1.1', description: 'T1', instance: 2 }),
      dcm('x/3', { pixels: [9, 9, 9, 9, 9, 9], position: [0, 0, 0], series: '1.2', description: 'scout' }),
    ];
    const v = readDicomSeries(files);
    expect(v.dims).toEqual([3, 2, 2, 1]);
    expect(Array.from(v.data)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    expect(v.source.note).toMatch(/2 series found: read "T1" \(2 images\); ignored "scout" \(1\)/);
  });

  it('masks BitsStored and sign-extends signed 12-bit data, then rescales', () => {
    // 12-bit signed in 16 allocated, garbage in the top nibble: 0xAFFB → −5, 0x5800 → −2048, 0xF7FF → 2047.
    const v = readDicomSeries([dcm('s.dcm', { pixels: [0xaffb, 0x5800, 0xf7ff, 0x0001, 0x1000, 0xffff], stored: 12, signed: true, slope: 2, intercept: -10 })]);
    expect(Array.from(v.data)).toEqual([-20, -4106, 4084, -8, -10, -12]);
  });

  it('honours a HighBit above BitsStored − 1 (bits stored in the high end)', () => {
    const v = readDicomSeries([dcm('h.dcm', { pixels: [0x0010, 0xfff0, 0x0120, 0, 0, 0], stored: 12, high: 15 })]);
    expect(Array.from(v.data)).toEqual([1, 4095, 18, 0, 0, 0]);
  });

  it('reads 8-bit unsigned and 32-bit signed data', () => {
    expect(Array.from(readDicomSeries([dcm('8.dcm', { pixels: [0, 1, 127, 128, 254, 255], bits: 8 })]).data)).toEqual([0, 1, 127, 128, 254, 255]);
    const v = readDicomSeries([dcm('32.dcm', { pixels: [-100000, 70000, 0, -1, 2147483647, -2147483648], bits: 32, signed: true })]);
    expect(Array.from(v.data)).toEqual([-100000, 70000, 0, -1, 2147483647, -2147483648].map(Math.fround));
  });

  it('inverts MONOCHROME1 so that higher is brighter, and says so', () => {
    const v = readDicomSeries([dcm('cr.dcm', { pixels: [0, 10, 250, 100, 30, 5], bits: 8, photometric: 'MONOCHROME1' })]);
    expect(Array.from(v.data)).toEqual([250, 240, 0, 150, 220, 245]);
    expect(v.source.note).toMatch(/MONOCHROME1 .* inverted/);
  });

  it('orders slices by InstanceNumber when there is no position', () => {
    const files = [3, 1, 2].map((n) => dcm(`i${n}.dcm`, { pixels: Array(6).fill(n), instance: n, position: null, orientation: null }));
    const v = readDicomSeries(files);
    expect(v.dims).toEqual([3, 2, 3, 1]);
    expect([at(v, 0, 0, 0), at(v, 0, 0, 1), at(v, 0, 0, 2)]).toEqual([1, 2, 3]);
    expect(v.spacingMm).toEqual([0.75, 0.5, 1]);
    expect(v.source.note).toMatch(/slices ordered by InstanceNumber/);
    expect(v.source.note).toMatch(/slice spacing unknown: assumed 1 mm/);
  });

  it('reads an implicit-VR data set without file meta', () => {
    const bytes = encodeDataSet(image({ pixels: [5, 6, 7, 8, 9, 10], position: [1, 2, 3] }), true);
    expect(isDicom(bytes)).toBe(true);
    const v = readDicomSeries([{ name: 'raw', bytes }]);
    expect(Array.from(v.data)).toEqual([5, 6, 7, 8, 9, 10]);
    expectAffine(v.affine, [-0.75, 0, 0, -1, 0, -0.5, 0, -2, 0, 0, 1, 3, 0, 0, 0, 1]);
  });

  it('stacks a classic multi-frame file without per-frame positions (NM-style) using SpacingBetweenSlices', () => {
    const v = readDicomSeries([
      dcm('nm.dcm', { pixels: Array.from({ length: 18 }, (_, i) => i), frames: 3, position: [0, 0, 0], extra: [[0x00180088, 'DS', '4']] }),
    ]);
    expect(v.dims).toEqual([3, 2, 3, 1]);
    expect(v.spacingMm).toEqual([0.75, 0.5, 4]);
    expect(Array.from(v.data)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect(v.source.note).toMatch(/frames stacked as slices 4 mm apart \(SpacingBetweenSlices\)/);
  });

  it('treats a multi-frame file with FrameIncrementPointer = FrameTime as cine', () => {
    const v = readDicomSeries([
      dcm('us.dcm', {
        pixels: Array.from({ length: 12 }, (_, i) => i),
        frames: 2,
        position: null,
        orientation: null,
        extra: [
          [0x00280009, 'AT', [0x00181063]],
          [0x00181063, 'DS', '33.3'],
        ],
      }),
    ]);
    expect(v.dims).toEqual([3, 2, 1, 2]);
    expect(at(v, 0, 0, 0, 1)).toBe(6);
  });

  it('reads an enhanced multi-frame file: per-frame positions and rescale, shared pixel measures', () => {
    const frame = (z: number, slope: number): Item => [
      [0x00209113, 'SQ', [[[0x00200032, 'DS', `0\\0\\${z}`]]]],
      [0x00289145, 'SQ', [[[0x00281053, 'DS', String(slope)], [0x00281052, 'DS', '0']]]],
    ];
    const shared: Item = [
      [0x00289110, 'SQ', [[[0x00280030, 'DS', '2\\3'], [0x00180050, 'DS', '5']]]],
      [0x00209116, 'SQ', [[[0x00200037, 'DS', '1\\0\\0\\0\\1\\0']]]],
    ];
    const v = readDicomSeries([
      dcm('enh.dcm', {
        pixels: [...Array(6).fill(1), ...Array(6).fill(2), ...Array(6).fill(3)],
        frames: 3,
        position: null,
        orientation: null,
        spacing: [9, 9],
        extra: [
          [0x52009229, 'SQ', [shared]],
          [0x52009230, 'SQ', [frame(10, 1), frame(0, 10), frame(5, 100)]],
        ],
      }),
    ]);
    expect(v.dims).toEqual([3, 2, 3, 1]);
    expect(v.spacingMm).toEqual([3, 2, 5]);
    // Sorted by z: frame 2 (z 0, ×10), frame 3 (z 5, ×100), frame 1 (z 10, ×1).
    expect([at(v, 0, 0, 0), at(v, 0, 0, 1), at(v, 0, 0, 2)]).toEqual([20, 300, 1]);
    expectAffine(v.affine, [-3, 0, 0, 0, 0, -2, 0, 0, 0, 0, 5, 0, 0, 0, 0, 1]);
  });

  it('refuses an unknown transfer syntax', () => {
    expectLoupeError(
      () => readDicomSeries([dcm('x.dcm', { pixels: [0, 0, 0, 0, 0, 0] }, '1.2.3.4.5.6')]),
      'UNSUPPORTED_COMPRESSION',
      /unrecognised transfer syntax 1\.2\.3\.4\.5\.6/,
    );
  });
});

describe('decodeRle', () => {
  it('decodes PackBits literal and replicate runs into byte planes (MSB segment first)', () => {
    // 2×2 16-bit: values 0x0102, 0x0102, 0x0304, 0x0506 → MSB plane [1,1,3,5], LSB plane [2,2,4,6].
    const msb = [0xff, 1, 0x01, 3, 5]; // replicate 1 twice (−1 → 2 copies), then a literal run of 2: [3, 5]
    const lsb = [0xff, 2, 0x01, 4, 6];
    const header = new Uint8Array(64);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, 2, true);
    dv.setUint32(4, 64, true);
    dv.setUint32(8, 64 + msb.length, true);
    const data = concat([header, Uint8Array.from(msb), Uint8Array.from(lsb)]);
    const out = decodeRle(data, { rows: 2, cols: 2, bitsAllocated: 16, file: { name: 'r', bytes: data } }, 8);
    expect(Array.from(new Uint16Array(out.buffer))).toEqual([0x0102, 0x0102, 0x0304, 0x0506]);
  });

  it('reports a short segment as CORRUPT_VOLUME', () => {
    const header = new Uint8Array(64);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, 1, true);
    dv.setUint32(4, 64, true);
    const data = concat([header, Uint8Array.from([0x00, 7])]); // one pixel of four
    expectLoupeError(
      () => decodeRle(data, { rows: 2, cols: 2, bitsAllocated: 8, file: { name: 'r.dcm', bytes: data } }, 4),
      'CORRUPT_VOLUME',
      /r\.dcm: RLE segment 1 decodes to 1 of 4 pixels/,
    );
  });
});

describe('gzipped DICOM and empty files (readVolume)', () => {
  it.skipIf(!existsSync(PYD + 'MR_small.dcm'))('reads MR_small.dcm.gz as MR_small.dcm, and names an empty file as empty', async () => {
    const { gzipSync } = await import('fflate');
    const { readVolume } = await import('../readVolume');
    const noImages = async () => {
      throw new Error('no images here');
    };
    const bytes = new Uint8Array(readFileSync(PYD + 'MR_small.dcm'));
    const plain = await readVolume([{ name: 'MR_small.dcm', bytes }], noImages);
    const gz = await readVolume([{ name: 'MR_small.dcm.gz', bytes: gzipSync(bytes) }], noImages);
    expect(gz.dims).toEqual(plain.dims);
    expect(gz.data).toEqual(plain.data);
    await expect(readVolume([{ name: 'scan.nii.gz', bytes: new Uint8Array(0) }], noImages)).rejects.toMatchObject({ name: 'EMPTY_FILE' });
  });
});
