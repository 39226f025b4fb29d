// `npm run -s infer -- mri …`: the contract for accepted and refused inputs.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const TSX = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
const CLI = join(import.meta.dirname, 'infer.ts');
const FIXTURE = join(import.meta.dirname, '..', 'tests', 'fixtures', 'mri');
const PYD = '/usr/lib/python3/dist-packages/pydicom/data/test_files/';
const NIB = '/usr/lib/python3/dist-packages/nibabel/tests/data/';

async function infer(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    return { code: 0, stdout: (await exec(TSX, [CLI, ...args])).stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('npm run infer -- mri', () => {
  it('measures the phantom cine: EF within 5 points of its truth, exit 0', async () => {
    const truth = JSON.parse(readFileSync(join(FIXTURE, 'sax_phantom.json'), 'utf8'));
    const { code, stdout } = await infer('mri', join(FIXTURE, 'sax_phantom_image.nii.gz'), '--json');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.rejected).toBeUndefined();
    expect(Math.abs(result.efPercent - truth.ef * 100)).toBeLessThanOrEqual(5);
  }, 120_000);

  it.skipIf(!existsSync(PYD + 'MR_small.dcm'))('refuses a small non-cardiac MR slice: {"file","rejected":{"code","reason"}}, exit 3', async () => {
    const { code, stdout } = await infer('mri', PYD + 'MR_small.dcm', '--json');
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toEqual({ file: PYD + 'MR_small.dcm', rejected: { code: 'FIELD_OF_VIEW', reason: expect.stringMatching(/field of view is 20 × 20 mm/) } });
  }, 60_000);

  it.skipIf(!existsSync(PYD + 'CT_small.dcm'))('refuses a CT slice by its modality', async () => {
    const { code, stdout } = await infer('mri', PYD + 'CT_small.dcm', '--json');
    expect([code, JSON.parse(stdout).rejected.code]).toEqual([3, 'NOT_MR']);
  }, 60_000);

  it.skipIf(!existsSync(NIB + 'example4d.nii.gz'))('refuses a brain fMRI after the model finds no heart in it (text output too)', async () => {
    const { code, stdout } = await infer('mri', NIB + 'example4d.nii.gz');
    expect(code).toBe(3);
    expect(stdout).toMatch(/refused \(NO_HEART\): the model found no left-ventricular blood pool/);
  }, 120_000);
});
