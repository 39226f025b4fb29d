import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MODELS_DIR } from '../src/runtime/node';
import { CT_MODEL_ID } from '../src/tasks/ct/runner';
import { UsageError } from './args';
import { ctMain } from './ct';

const FIXTURES = join(import.meta.dirname, '..', 'tests', 'fixtures', 'ct');
const shipsDefault = existsSync(join(MODELS_DIR, 'ct', CT_MODEL_ID, 'manifest.json'));

afterEach(() => vi.restoreAllMocks());

describe('npm run infer -- ct', () => {
  it.skipIf(shipsDefault)('without the default model on disk asks for --model', async () => {
    await expect(ctMain([join(FIXTURES, 'covid19_dicom'), '--json'])).rejects.toThrow(UsageError);
    await expect(ctMain([join(FIXTURES, 'covid19_dicom')])).rejects.toThrow(/the default CT model is missing \(public\/models\/ct\/ucadi-densenet\/\): restore it from the repository, or pass --model/);
  });

  it.runIf(shipsDefault)('classifies both DICOM fixtures with the shipped model: the right class on top', async () => {
    for (const [folder, want] of [['covid19_dicom', 'covid19'], ['healthy_dicom', 'healthy']]) {
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out += String(chunk);
        return true;
      });
      expect(await ctMain([join(FIXTURES, folder), '--json'])).toBe(0);
      spy.mockRestore();
      const result = JSON.parse(out);
      expect(result.top, JSON.stringify(result.probabilities)).toBe(want);
    }
  }, 300_000);

  it('classifies a DICOM folder with --model <folder>: the issue\'s JSON, probabilities summing to 1', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    expect(await ctMain([join(FIXTURES, 'covid19_dicom'), '--json', '--model', join(FIXTURES, 'trial-model')])).toBe(0);
    const result = JSON.parse(out);
    expect(Object.keys(result.probabilities).sort()).toEqual(['bacterial', 'covid19', 'healthy', 'viral']);
    const ps = Object.values(result.probabilities) as number[];
    expect(ps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3); // printed with 4 decimals each
    expect(result.probabilities[result.top]).toBe(Math.max(...ps));
    expect(result.file).toContain('covid19_dicom');
  }, 300_000);

  it.each([
    ['/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm', 'NOT_CT'],
    ['/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm', 'TOO_FEW_SLICES'],
    [join(import.meta.dirname, '..', 'tests', 'fixtures', 'astronaut.png'), 'COLOUR_IMAGE'],
  ])('refuses %s: {"file","rejected":{"code","reason"}}, exit 3', async (file, code) => {
    if (!existsSync(file)) return;
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    expect(await ctMain([file, '--json'])).toBe(3);
    expect(JSON.parse(out)).toEqual({ file, rejected: { code, reason: expect.any(String) } });
  }, 60_000);
});
