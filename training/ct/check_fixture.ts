// Reads tests/fixtures/ct with the studio's own readers (src/io/dicom.ts, src/io/nifti.ts) and checks that the
// COVID-19 lesion mask lies on the DICOM volume's grid (same dims and affine) and covers ground-glass HU.
// Usage: node_modules/.bin/tsx training/ct/check_fixture.ts [tests/fixtures/ct]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomSeries } from '../../src/io/dicom';
import { readNifti } from '../../src/io/nifti';

const dir = process.argv[2] ?? 'tests/fixtures/ct';
const read = (sub: string) => readDicomSeries(readdirSync(join(dir, sub)).map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, sub, name))) })));
const covid = read('covid19_dicom');
const healthy = read('healthy_dicom');
const mask = readNifti(new Uint8Array(readFileSync(join(dir, 'covid19_lesion.nii.gz'))), 'covid19_lesion.nii.gz');
const problems: string[] = [];
if (covid.dims.join() !== mask.dims.join()) problems.push(`dims ${covid.dims} vs mask ${mask.dims}`);
const affineDiff = Math.max(...covid.affine.map((v, i) => Math.abs(v - mask.affine[i])));
if (!(affineDiff < 1e-3)) problems.push(`affine differs by ${affineDiff}: ${covid.affine} vs ${mask.affine}`);
let inside = 0;
const hu: number[] = [];
for (let i = 0; i < mask.data.length; i++) if (mask.data[i] > 0) { inside++; hu.push(covid.data[i]); }
hu.sort((a, b) => a - b);
const median = hu[Math.floor(hu.length / 2)];
const truth = JSON.parse(readFileSync(join(dir, 'covid19.json'), 'utf8'));
if (inside !== truth.lesionVoxels) problems.push(`mask voxels ${inside} vs JSON ${truth.lesionVoxels}`);
if (!(median > -800 && median < 0)) problems.push(`median HU in lesion ${median}`);
console.log(`covid19: dims ${covid.dims}, spacing ${covid.spacingMm.map((v) => v.toFixed(3))}, modality ${covid.source.modality}; healthy dims ${healthy.dims}`);
console.log(`lesion voxels ${inside}, median HU inside ${median}, affine diff ${affineDiff.toExponential(2)}`);
if (problems.length) {
  console.error(`fixture problems: ${problems.join('; ')}`);
  process.exit(1);
}
console.log('fixture OK');
