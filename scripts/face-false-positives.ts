// Measures the face detector's false positives on frames with no face (Chromium's fake-camera pattern, ffmpeg test
// patterns, face-free photos from scikit-image's data folder) and its recall on face photos, per score threshold,
// for the live model (short range), the full-range model and Accurate mode. Same Node inference path as the CLI.
// Prints a table and writes bench/results/face-false-positives.json.
//
//   node scripts/capture-fake-camera.mjs       # (re)captures tests/fixtures/face-free/*.png (committed)
//   npx tsx scripts/face-false-positives.ts [--skimage DIR]
//
// scikit-image's samples come from Debian's python3-skimage (apt-get install python3-skimage); without it only the
// test patterns are measured. Licences (from skimage/data/_fetchers.py): CC0 or public domain, see SKIMAGE below.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { readRgba } from '../cli/io';
import { loadModelFromDisk } from '../src/runtime/node';
import { detectFaces, rgbaFrame } from '../src/tasks/face/core/pipeline';
import { ACCURATE_FLOOR, DEFAULT_SCORE_THRESHOLD, LIVE_SCORE_THRESHOLD } from '../src/tasks/face/core/thresholds';
import type { Face } from '../src/tasks/face/core/types';
import { faceRunner } from '../src/tasks/face/runner';
import type { RgbaImage } from '../src/io/image';
import { ASTRONAUT_FACE, buildMosaic } from '../tests/fixtures/mosaic.mjs';

const ROOT = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const SKIMAGE_DIR = argv.includes('--skimage') ? argv[argv.indexOf('--skimage') + 1] : '/usr/lib/python3/dist-packages/skimage/data';
const FACE_FREE_DIR = join(ROOT, 'tests', 'fixtures', 'face-free');
const THRESHOLDS = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const PLAIN_FLOOR = Math.min(...THRESHOLDS);

/** Face-free scikit-image samples and their licences (skimage/data/_fetchers.py). chelsea is a cat: no human face. */
const SKIMAGE: Record<string, string> = {
  'coffee.png': 'CC0 (Rachel Michetti)',
  'chelsea.png': 'CC0 (Stefan van der Walt)',
  'rocket.jpg': 'public domain (SpaceX)',
  'brick.png': 'CC0 (CC0Textures)',
  'grass.png': 'CC0 (CC0Textures)',
  'gravel.png': 'CC0 (CC0Textures)',
  'coins.png': 'no known copyright restrictions',
  'moon.png': 'no known copyright restrictions',
  'page.png': 'no known copyright restrictions',
  'text.png': 'public domain',
  'hubble_deep_field.jpg': 'public domain (NASA)',
  'horse.png': 'CC0 (Andreas Preuss)',
  'clock_motion.png': 'public domain (Stefan van der Walt)',
  'cell.png': 'CC0',
  'ihc.png': 'no known copyright restrictions',
  'retina.jpg': 'CC0',
  'motorcycle_left.png': 'Middlebury stereo data set',
  'microaneurysms.png': 'CC0 (Andreas Maier)',
};

type Mode = 'live' | 'full' | 'accurate';
const MODES: Mode[] = ['live', 'full', 'accurate'];

interface Item { name: string; kind: 'fake-camera' | 'test-pattern' | 'photo' | 'face'; image: RgbaImage; truth?: number[][] }

const items: Item[] = [];
for (const f of readdirSync(FACE_FREE_DIR).filter((f) => f.endsWith('.png')).sort()) {
  items.push({ name: `fixtures/face-free/${f}`, kind: f.startsWith('chromium-fake-camera') ? 'fake-camera' : 'test-pattern', image: await readRgba(join(FACE_FREE_DIR, f)) });
}
const skimageFound = existsSync(SKIMAGE_DIR);
for (const f of Object.keys(SKIMAGE)) {
  if (existsSync(join(SKIMAGE_DIR, f))) items.push({ name: `skimage/${f}`, kind: 'photo', image: await readRgba(join(SKIMAGE_DIR, f)) });
}
const astronaut = join(ROOT, 'tests', 'fixtures', 'astronaut.png');
items.push({ name: 'fixtures/astronaut.png', kind: 'face', image: await readRgba(astronaut), truth: [ASTRONAUT_FACE] });
// The live e2e frame: make-webcam.sh's geometry (480/512 scale, 80 px grey bars left and right).
const webcam = await sharp(astronaut).resize(480, 480, { kernel: 'lanczos3' }).extend({ left: 80, right: 80, background: '#767c83' }).png().toBuffer();
const s = 480 / 512;
items.push({ name: 'webcam frame (astronaut, 640x480)', kind: 'face', image: await readRgba(webcam), truth: [[80 + ASTRONAUT_FACE[0] * s, ASTRONAUT_FACE[1] * s, ASTRONAUT_FACE[2] * s, ASTRONAUT_FACE[3] * s]] });
const mosaic = await buildMosaic();
items.push({ name: 'fixtures/group.jpg (13 faces)', kind: 'face', image: await readRgba(join(ROOT, 'tests', 'fixtures', 'group.jpg')), truth: mosaic.faces });

const run = faceRunner((id) => loadModelFromDisk('face', id));

function iou(a: number[], b: number[]): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}
/** Greedy matching at IoU ≥ 0.5: [matched truths, unmatched detections]. */
function match(faces: Face[], truth: number[][]): [number, number] {
  const used = new Set<number>();
  let matched = 0;
  for (const t of truth) {
    let best = -1, bestIou = 0.5;
    faces.forEach((f, i) => { const v = iou(f.box, t); if (!used.has(i) && v >= bestIou) (best = i, bestIou = v); });
    if (best >= 0) (used.add(best), matched++);
  }
  return [matched, faces.length - used.size];
}

const detections = new Map<string, Record<Mode, Face[]>>();
for (const item of items) {
  const r = {} as Record<Mode, Face[]>;
  r.live = (await detectFaces(rgbaFrame(item.image), run, { model: 'blazeface-short', scoreThreshold: PLAIN_FLOOR })).faces;
  r.full = (await detectFaces(rgbaFrame(item.image), run, { model: 'blazeface-full', scoreThreshold: PLAIN_FLOOR })).faces;
  r.accurate = (await detectFaces(rgbaFrame(item.image), run, { model: 'blazeface-full', accurate: true, scoreThreshold: ACCURATE_FLOOR })).faces;
  detections.set(item.name, r);
  const top = (m: Mode) => (r[m][0]?.score ?? 0).toFixed(3);
  console.log(`${item.name.padEnd(42)} ${item.image.width}x${item.image.height}  max score live ${top('live')}  full ${top('full')}  accurate ${top('accurate')}`);
}

const faceFree = items.filter((i) => i.kind !== 'face');
const withFaces = items.filter((i) => i.kind === 'face');
const truthCount = withFaces.reduce((n, i) => n + i.truth!.length, 0);
const perThreshold: Record<Mode, unknown[]> = { live: [], full: [], accurate: [] };
for (const mode of MODES) {
  console.log(`\n${mode}: threshold | face-free frames with a face (all / fake camera / photos) | false faces | recall on ${truthCount} faces | extra boxes on face photos`);
  for (const t of THRESHOLDS) {
    if (mode === 'accurate' && t < ACCURATE_FLOOR) continue;
    const above = (i: Item) => detections.get(i.name)![mode].filter((f) => f.score >= t);
    const fpFrames = faceFree.filter((i) => above(i).length > 0);
    const fake = faceFree.filter((i) => i.kind === 'fake-camera');
    const fakeFp = fake.filter((i) => above(i).length > 0).length;
    const photos = faceFree.filter((i) => i.kind === 'photo');
    const photoFp = photos.filter((i) => above(i).length > 0).length;
    const falseFaces = faceFree.reduce((n, i) => n + above(i).length, 0);
    let matched = 0, extra = 0;
    const perImage: Record<string, string> = {};
    for (const i of withFaces) {
      const [m, x] = match(above(i), i.truth!);
      matched += m;
      extra += x;
      perImage[i.name] = `${m}/${i.truth!.length}`;
    }
    const row = {
      threshold: t,
      faceFreeFrames: faceFree.length,
      falsePositiveFrameRate: fpFrames.length / faceFree.length,
      falsePositiveFrames: fpFrames.map((i) => i.name),
      fakeCameraFalsePositiveRate: fake.length ? fakeFp / fake.length : null,
      photoFalsePositiveRate: photos.length ? photoFp / photos.length : null,
      falseFaces,
      recall: matched / truthCount,
      recallPerImage: perImage,
      extraBoxesOnFacePhotos: extra,
    };
    perThreshold[mode].push(row);
    const pct = (v: number | null) => (v === null ? '  n/a' : `${(100 * v).toFixed(0).padStart(3)} %`);
    console.log(`  ${t.toFixed(2)} | ${pct(row.falsePositiveFrameRate)} / ${pct(row.fakeCameraFalsePositiveRate)} / ${pct(row.photoFalsePositiveRate)} | ${String(falseFaces).padStart(3)} | ${pct(row.recall)} (${Object.values(perImage).join(', ')}) | ${extra}`);
  }
}

const result = {
  what: 'Face detector false positives on face-free frames and recall on face photos, per score threshold',
  command: 'npx tsx scripts/face-false-positives.ts',
  date: new Date().toISOString().slice(0, 10),
  defaultScoreThreshold: { live: LIVE_SCORE_THRESHOLD, photos: DEFAULT_SCORE_THRESHOLD },
  modes: { live: 'blazeface-short, whole frame (the live view)', full: 'blazeface-full, whole frame', accurate: `Accurate mode (tiles, mirror, both models, 3 votes), floor ${ACCURATE_FLOOR}` },
  matching: 'a ground-truth face counts as found when a box at or above the threshold overlaps it with IoU >= 0.5',
  faceFree: faceFree.map((i) => ({ name: i.name, kind: i.kind, size: `${i.image.width}x${i.image.height}`, licence: SKIMAGE[i.name.replace('skimage/', '')], maxScore: Object.fromEntries(MODES.map((m) => [m, Number((detections.get(i.name)![m][0]?.score ?? 0).toFixed(4))])) })),
  skimageDir: skimageFound ? SKIMAGE_DIR : `${SKIMAGE_DIR} (missing: photos not measured)`,
  faces: withFaces.map((i) => ({ name: i.name, truth: i.truth!.length, scores: Object.fromEntries(MODES.map((m) => [m, detections.get(i.name)![m].map((f) => Number(f.score.toFixed(4)))])) })),
  perThreshold,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'face-false-positives.json'), `${JSON.stringify(result, null, 1)}\n`);
console.log('\nwrote bench/results/face-false-positives.json');
