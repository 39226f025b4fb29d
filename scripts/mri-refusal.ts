// Measures the MRI refusal rules and the anatomical clean-up on data: inputs that must be accepted (the phantom
// cine fixture, the real Sunnybrook slices with their LV labels) and inputs that must be refused (brain MRI, small
// non-cardiac MR, CT, RT dose). Prints a table and writes bench/results/mri-refusal.json.
//   npx tsx scripts/mri-refusal.ts [--sunnybrook DIR]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readVolumeAt } from '../cli/io';
import { SUNNYBROOK_DIR, sunnybrookSlices } from './sunnybrook';
import { loadModelFromDisk } from '../src/runtime/node';
import { checkInput, type Rejection } from '../src/tasks/mri/core/anatomy';
import { dice } from '../src/tasks/mri/core/measures';
import { segmentVolume } from '../src/tasks/mri/core/pipeline';
import { MRI_MODEL_ID, mriRunner, preprocessOf } from '../src/tasks/mri/runner';
import type { Volume } from '../src/io/volume';

const ROOT = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const SUNNYBROOK = argv.includes('--sunnybrook') ? argv[argv.indexOf('--sunnybrook') + 1] : SUNNYBROOK_DIR;
const NIB = '/usr/lib/python3/dist-packages/nibabel/tests/data/';
const PYD = '/usr/lib/python3/dist-packages/pydicom/data/test_files/';

const model = await loadModelFromDisk('mri', MRI_MODEL_ID);
const run = mriRunner(model);
const preprocess = preprocessOf(model.manifest);

interface Case { name: string; shouldAccept: boolean; heldOut?: boolean; rejection?: Rejection; score?: unknown; lvDice?: { on: number; off: number } }
const cases: Case[] = [];

async function judge(name: string, volume: Volume, shouldAccept: boolean, truthLv?: Uint8Array): Promise<Case> {
  const early = checkInput(volume);
  if (early) return { name, shouldAccept, rejection: early };
  const on = await segmentVolume(volume, run, { preprocess });
  const c: Case = { name, shouldAccept, rejection: on.rejection, score: on.heart };
  if (truthLv) {
    const off = await segmentVolume(volume, run, { preprocess, postprocess: false });
    const lv = (l: Uint8Array) => Uint8Array.from(l, (v) => (v === 3 ? 3 : 0));
    c.lvDice = { on: dice(lv(on.labels), truthLv, 3), off: dice(lv(off.labels), truthLv, 3) };
  }
  return c;
}

// Must accept: the phantom cine, and every Sunnybrook slice (real patients; PNG, so the pixel size is assumed).
const fixture = join(ROOT, 'tests', 'fixtures', 'mri', 'sax_phantom_image.nii.gz');
const phantom = await readVolumeAt(fixture);
const phantomCase = await judge('phantom cine (tests/fixtures/mri)', phantom, true);
const phantomTruth = Uint8Array.from((await readVolumeAt(fixture.replace('_image', '_label'))).data);
for (const postprocess of [true, false]) {
  const { labels } = await segmentVolume(phantom, run, { preprocess, postprocess });
  (phantomCase as Case & { dice?: Record<string, unknown> }).dice = { ...((phantomCase as { dice?: object }).dice ?? {}), [postprocess ? 'postprocessOn' : 'postprocessOff']: [1, 2, 3].map((l) => Number(dice(labels, phantomTruth, l).toFixed(4))) };
}
cases.push(phantomCase);
if (existsSync(SUNNYBROOK)) {
  for (const { file, volume, truth, heldOut } of await sunnybrookSlices(SUNNYBROOK)) cases.push({ ...(await judge(`sunnybrook/${file}`, volume, true, truth)), heldOut });
}
// Must refuse.
for (const file of ['example4d.nii.gz', 'anatomical.nii', 'functional.nii', 'standard.nii.gz']) if (existsSync(NIB + file)) cases.push(await judge(`nibabel/${file}`, await readVolumeAt(NIB + file), false));
for (const file of ['MR_small.dcm', 'CT_small.dcm', 'rtdose.dcm']) if (existsSync(PYD + file)) cases.push(await judge(`pydicom/${file}`, await readVolumeAt(PYD + file), false).catch((e: Error) => ({ name: `pydicom/${file}`, shouldAccept: false, rejection: { code: 'NOT_MR' as const, reason: `unreadable: ${e.message}` } })));

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const accepted = cases.filter((c) => c.shouldAccept);
const refused = cases.filter((c) => !c.shouldAccept);
const falseRejects = accepted.filter((c) => c.rejection);
const falseAccepts = refused.filter((c) => !c.rejection);
const withDice = accepted.filter((c) => c.lvDice);
const diceOf = (group: Case[]) => ({ slices: group.length, postprocessOn: mean(group.map((c) => c.lvDice!.on)), postprocessOff: mean(group.map((c) => c.lvDice!.off)), falseRejects: group.filter((c) => c.rejection).length });
const summary = {
  model: model.manifest.name,
  accepted: accepted.length,
  falseRejectRate: falseRejects.length / Math.max(1, accepted.length),
  falseRejects: falseRejects.map((c) => `${c.name}: ${c.rejection!.code} ${c.rejection!.reason}`),
  falseRejectsWhereTheModelWasWrong: `${falseRejects.filter((c) => c.lvDice && c.lvDice.off < 0.5).length} of ${falseRejects.length} (LV Dice without the refusal below 0.5)`,
  refused: refused.length,
  falseAccepts: falseAccepts.map((c) => c.name),
  refusals: refused.map((c) => `${c.name}: ${c.rejection?.code ?? 'ACCEPTED'} ${c.rejection?.reason ?? ''}`),
  phantomDiceRvMyoLv: (phantomCase as { dice?: unknown }).dice,
  sunnybrookLvDice: withDice.length ? { heldOutPatients8to10: diceOf(withDice.filter((c) => c.heldOut)), fineTunePatients1to7: diceOf(withDice.filter((c) => !c.heldOut)) } : 'n/a (no ../shared/data/sunnybrook)',
};
console.log(JSON.stringify(summary, null, 2));
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'mri-refusal.json'), JSON.stringify({ summary, cases }, null, 1) + '\n');
console.error(`wrote bench/results/mri-refusal.json (${basename(SUNNYBROOK)})`);
