import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { LoupeError } from '../errors';
import { readAnalyzePair } from './analyze';
import { analyzePair, readVolume, volumeKind, type NamedBytes } from './readVolume';
import type { Volume } from './volume';

const FIXTURE = join(__dirname, '../../tests/fixtures/analyze/');
/** nibabel's test data, shipped by Debian's python3-nibabel; reference numbers from nibabel 5.0 `nib.load`. */
const NIB = '/usr/lib/python3/dist-packages/nibabel/tests/data/';
const haveNib = existsSync(NIB + 'analyze.hdr');
if (!haveNib) console.warn(`skipping ANALYZE tests on nibabel's headers: ${NIB} missing (apt-get install python3-nibabel)`);

const fixture = (name: string): NamedBytes => ({ name, bytes: new Uint8Array(readFileSync(FIXTURE + name)) });
const noImages = async () => {
  throw new Error('no images here');
};
const at = (v: Volume, x: number, y: number, z: number) => v.data[(z * v.dims[1] + y) * v.dims[0] + x];

async function rejects(files: NamedBytes[], code: string, message: RegExp): Promise<void> {
  const error = await readVolume(files, noImages).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'should throw').toBeInstanceOf(LoupeError);
  expect((error as LoupeError).code).toBe(code);
  expect((error as LoupeError).message).toMatch(message);
}

function expectAffine(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(16);
  actual.forEach((v, i) => expect(v, `affine[${i}]`).toBeCloseTo(expected[i], 4));
}

describe('ANALYZE 7.5 .hdr/.img pairs', () => {
  it('reads a little-endian int16 pair as nibabel does, and says what orientation it assumed', async () => {
    const v = await readVolume([fixture('phantom_int16.img'), fixture('phantom_int16.hdr')], noImages);
    expect(v.dims).toEqual([24, 20, 3, 1]);
    expect(v.spacingMm).toEqual([2, 2, 4]);
    expectAffine(v.affine, [-2, 0, 0, 23, 0, 2, 0, -19, 0, 0, 4, -4, 0, 0, 0, 1]);
    expect([at(v, 1, 2, 0), at(v, 23, 19, 2)]).toEqual([-380, 1992]);
    expect(v.data.reduce((a, b) => a + b, 0)).toBe(1074240);
    expect(v.source).toMatchObject({ format: 'analyze', name: 'phantom_int16.hdr' });
    expect(v.source.note).toMatch(/ANALYZE 7\.5 has no orientation: assumed stored radiologically \(x right → left.*origin at the volume centre/);
  });

  it('reads gzipped halves (.hdr.gz, .img.gz) and pairs in a dropped folder', async () => {
    const gz = (f: NamedBytes) => ({ name: `${f.name}.gz`, bytes: gzipSync(f.bytes) });
    const v = await readVolume([gz(fixture('phantom_int16.hdr')), gz(fixture('phantom_int16.img'))], noImages);
    expect(at(v, 23, 19, 2)).toBe(1992);
    const inFolder = await readVolume(['hdr', 'img'].map((e) => ({ ...fixture(`phantom_int16.${e}`), name: `scan/phantom_int16.${e}` })), noImages);
    expect(inFolder.dims).toEqual([24, 20, 3, 1]);
  });

  it.skipIf(!haveNib)("reads nibabel's big-endian uint8 analyze.hdr with SPM's origin and scale, as nib.load does", () => {
    const hdr = new Uint8Array(readFileSync(NIB + 'analyze.hdr'));
    const img = new Uint8Array(91 * 109 * 91).map((_, i) => i % 251);
    const v = readAnalyzePair({ name: 'analyze.hdr', bytes: hdr }, { name: 'analyze.img', bytes: img });
    expect(v.dims).toEqual([91, 109, 91, 1]);
    expect(v.spacingMm).toEqual([2, 2, 2]);
    expectAffine(v.affine, [-2, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2, -72, 0, 0, 0, 1]);
    expect(at(v, 1, 2, 3)).toBeCloseTo(121768.16345215, 1); // 71 × funused1 (1715.0446)
    expect(v.source.note).toMatch(/origin at SPM's origin voxel \(46, 64, 37\)/);
  });

  it.skipIf(!haveNib)("reads a NIfTI-1 pair (nibabel's nifti1.hdr) with its own qform/sform, as nib.load does", () => {
    const hdr = new Uint8Array(readFileSync(NIB + 'nifti1.hdr'));
    const n = 91 * 109 * 91;
    const img = new Uint8Array(n * 2);
    const dv = new DataView(img.buffer);
    for (let i = 0; i < n; i++) dv.setInt16(2 * i, i % 97, true);
    const v = readAnalyzePair({ name: 'nifti1.hdr', bytes: hdr }, { name: 'nifti1.img', bytes: img });
    expectAffine(v.affine, [-2, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2, -72, 0, 0, 0, 1]);
    expect(at(v, 1, 2, 3)).toBe(64);
    expect(v.source.format).toBe('nifti');
    expect(v.source.note ?? '').not.toMatch(/ANALYZE/);
  });

  it('names the missing half of a pair', async () => {
    await rejects([fixture('phantom_int16.hdr')], 'INCOMPLETE_PAIR', /phantom_int16\.hdr is the header .* but phantom_int16\.img was not given/);
    await rejects([fixture('phantom_int16.img')], 'INCOMPLETE_PAIR', /phantom_int16\.img is the voxel data .* but phantom_int16\.hdr was not given/);
    await rejects([fixture('phantom_int16.hdr'), { ...fixture('phantom_int16.img'), name: 'other.img' }], 'INCOMPLETE_PAIR', /phantom_int16\.img was not given \(phantom_int16\.hdr and other\.img are not one pair\)/);
    expect(() => analyzePair(['a.hdr', 'a.img', 'b.hdr', 'b.img'])).toThrow(/2 \.hdr\/\.img pairs were given/);
  });

  it('refuses a truncated .img, naming both files and the sizes', async () => {
    const img = fixture('phantom_int16.img');
    await rejects([fixture('phantom_int16.hdr'), { ...img, bytes: img.bytes.subarray(0, 1000) }], 'CORRUPT_VOLUME', /phantom_int16\.img: truncated: phantom_int16\.hdr describes 24×20×3 voxels of 2 bytes \(2880 bytes\) but phantom_int16\.img has only 1000/);
  });

  it('keeps file-type detection by name in one place (volumeKind)', () => {
    expect(volumeKind(['a.hdr', 'a.img'])).toBe('analyze');
    expect(volumeKind(['a.nii.gz'])).toBe('nifti');
    expect(volumeKind(['1.png', '2.png'])).toBe('images');
    expect(volumeKind(['no_meta.dcm'])).toBe('dicom');
    expect(volumeKind(['IM0001'])).toBe('dicom');
  });

  it('a file that is neither a pair nor a scan still gets the "not a DICOM file" refusal', async () => {
    await rejects([{ name: 'notes.txt', bytes: new TextEncoder().encode('hello, this is not a scan at all') }], 'UNSUPPORTED_FILE', /notes\.txt is not a DICOM file/);
  });
});
