// End-to-end tests of the cardiac MRI view: a generated phantom cine (NIfTI) segmented in the browser.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import * as nifti from 'nifti-reader-js';
import { ASTRONAUT, FIXTURES, ensureServer, withBrowser, openApp, dropFile, errorBanner, download, tempDir } from './lib.mjs';

const T = { timeout: 600_000 };
const DIR = path.join(FIXTURES, 'mri');
const truthFile = fs.existsSync(DIR) ? fs.readdirSync(DIR).find((f) => /\.json$/.test(f) && fs.existsSync(path.join(DIR, f.replace(/\.json$/, "_image.nii.gz")))) : undefined;
const stem = truthFile?.replace(/\.json$/, '');
const IMAGE = stem && path.join(DIR, `${stem}_image.nii.gz`);
const LABEL = stem && path.join(DIR, `${stem}_label.nii.gz`);
const truth = truthFile && JSON.parse(fs.readFileSync(path.join(DIR, truthFile), 'utf8'));
// The model card's held-out Dice comes from this file (written by training/mri/evaluate.py).
const METRICS = JSON.parse(fs.readFileSync(path.join(FIXTURES, '..', '..', 'training', 'mri', 'results', 'metrics.json'), 'utf8'));
// The shipped model: the Sunnybrook-fine-tuned DF-Net when training/mri produced one (as its model card says), else DF-Net.
const HELD_OUT = METRICS.heldoutPhantoms.dfnet_ft ?? METRICS.heldoutPhantoms.dfnet;
const HELD_OUT_DICE = (HELD_OUT.diceRV.mean + HELD_OUT.diceMYO.mean + HELD_OUT.diceLV.mean) / 3;

let stopServer = async () => {};
const tmp = tempDir('loupe-e2e-mri-');
before(async () => {
  stopServer = await ensureServer();
}, { timeout: 600_000 });
after(async () => {
  await stopServer();
  tmp.cleanup();
});

/** Labels of a NIfTI file as a flat array (x fastest), with its dims. */
function readLabels(bytes) {
  let buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  if (nifti.isCompressed(buf)) buf = gunzipSync(new Uint8Array(buf)).buffer;
  const header = nifti.readHeader(buf);
  const raw = new Uint8Array(nifti.readImage(header, buf));
  return { labels: raw, dims: header.dims.slice(1, 1 + header.dims[0]) };
}

function dice(a, b, label) {
  let inA = 0, inB = 0, both = 0;
  for (let i = 0; i < a.length; i++) {
    const pa = a[i] === label, pb = b[i] === label;
    if (pa) inA++;
    if (pb) inB++;
    if (pa && pb) both++;
  }
  return inA + inB === 0 ? 1 : (2 * both) / (inA + inB);
}

async function openMri(page) {
  await openApp(page, { ep: 'wasm' });
  await page.locator('[data-testid=nav-mri]').click();
  await page.locator('[data-testid=mri-view]').waitFor({ state: 'visible' });
}

async function segmentFile(page, file) {
  await page.locator('[data-testid=mri-file]').setInputFiles(file);
  await page.waitForFunction((name) => document.querySelector('[data-testid="mri-source"]')?.getAttribute('data-name') === name, path.basename(file), { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="mri-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 480_000 });
  const banner = await errorBanner(page);
  assert.equal(banner, null, `error after segmenting: ${banner?.code}: ${banner?.text}`);
}

test('MRI: a phantom cine is segmented in the browser; Dice vs its labels and EF vs its truth', { ...T, skip: !truthFile && 'no phantom fixture in tests/fixtures/mri' }, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    await segmentFile(page, IMAGE);

    const fn = page.locator('[data-testid=mri-function]');
    const ef = Number(await fn.getAttribute('data-ef'));
    t.diagnostic(`EF shown ${ef.toFixed(1)}% (true ${(truth.ef * 100).toFixed(1)}%), EDV ${await fn.getAttribute('data-edv')} (true ${truth.edvMl}), ESV ${await fn.getAttribute('data-esv')} (true ${truth.esvMl})`);
    assert.ok(Math.abs(ef - truth.ef * 100) <= 5, `EF ${ef.toFixed(1)}% is not within 5 points of the phantom's ${(truth.ef * 100).toFixed(1)}%`);

    const { name, body } = await download(page, '[data-testid=mri-export-nifti]');
    const shown = readLabels(body);
    const expected = readLabels(fs.readFileSync(LABEL));
    assert.deepEqual(shown.dims, expected.dims, `${name}: dims`);
    const scores = [1, 2, 3].map((l) => dice(shown.labels, expected.labels, l));
    const mean = scores.reduce((a, b) => a + b, 0) / 3;
    const bar = HELD_OUT_DICE - 0.05;
    t.diagnostic(`Dice RV ${scores[0].toFixed(3)} MYO ${scores[1].toFixed(3)} LV ${scores[2].toFixed(3)}, mean ${mean.toFixed(3)}; bar ${bar.toFixed(3)} (model card held-out mean ${HELD_OUT_DICE.toFixed(3)} − 0.05)`);
    assert.ok(mean >= bar, `mean Dice ${mean.toFixed(3)} < ${bar.toFixed(3)}`);

    // The overlay is drawn: LV blue appears on the canvas at the middle slice.
    const blue = await page.locator('[data-testid=mri-canvas]').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 2] > d[i] + 60 && d[i + 2] > d[i + 1] + 20) n++;
      return n;
    });
    assert.ok(blue > 100, `only ${blue} LV-coloured pixels on the canvas`);
  });
});

test('MRI: the int8-weights DF-Net from the model menu re-segments the open cine with the same Dice (±0.01) and only its own 2.5 MB file is fetched', { ...T, skip: !truthFile && 'no phantom fixture in tests/fixtures/mri' }, async (t) => {
  await withBrowser(t, {}, async ({ page, requests }) => {
    await openMri(page);
    await segmentFile(page, IMAGE);
    const expected = readLabels(fs.readFileSync(LABEL));
    const scores = async () => {
      const { body } = await download(page, '[data-testid=mri-export-nifti]');
      const shown = readLabels(body);
      return [1, 2, 3].map((l) => dice(shown.labels, expected.labels, l));
    };
    const float32 = await scores();
    requests.length = 0;
    await page.locator('[data-testid=mri-model]').selectOption('dfnet-int8');
    await page.waitForFunction(() => document.querySelector('[data-testid="mri-results"]')?.getAttribute('data-status') === 'running', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="mri-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 480_000 });
    assert.equal(await errorBanner(page), null);
    const onnx = requests.map((r) => new URL(r.url).pathname).filter((u) => u.endsWith('.onnx'));
    const int8 = await scores();
    t.diagnostic(`Dice RV/MYO/LV float32 ${float32.map((d) => d.toFixed(3)).join(' ')}, int8 ${int8.map((d) => d.toFixed(3)).join(' ')}; fetched ${onnx.join(' ')}`);
    assert.deepEqual(onnx, ['/models/mri/dfnet-int8/model.onnx']);
    int8.forEach((d, i) => assert.ok(Math.abs(d - float32[i]) <= 0.01, `class ${i + 1}: int8 Dice ${d.toFixed(3)} vs float32 ${float32[i].toFixed(3)}`));
  });
});

test('MRI: a broken file keeps the open scan; Cancel stops a run between slices', { ...T, skip: !truthFile && 'no phantom fixture in tests/fixtures/mri' }, async (t) => {
  const broken = path.join(tmp.dir, 'broken.nii.gz');
  fs.writeFileSync(broken, fs.readFileSync(IMAGE).subarray(0, 5000));
  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    await segmentFile(page, IMAGE);
    const ef = await page.locator('[data-testid=mri-function]').getAttribute('data-ef');

    await page.locator('[data-testid=mri-file]').setInputFiles(broken);
    const banner = page.locator('[data-testid=error][data-code=CORRUPT_VOLUME]');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    t.diagnostic(`broken file: ${(await banner.textContent()).trim()}`);
    assert.equal(await page.locator('[data-testid=mri-source]').getAttribute('data-name'), path.basename(IMAGE));
    assert.equal(await page.locator('[data-testid=mri-function]').getAttribute('data-ef'), ef, 'the previous result changed');

    await page.locator('[data-testid=mri-segment]').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="mri-progress"]')?.getAttribute('data-done')) >= 2, null, { timeout: 120_000 });
    await page.locator('[data-testid=mri-cancel]').click();
    await page.locator('[data-testid=error][data-code=ABORTED]').waitFor({ state: 'visible', timeout: 60_000 });
    const status = await page.locator('[data-testid=mri-results]').getAttribute('data-status');
    assert.equal(status, 'done');
    assert.equal(await page.locator('[data-testid=mri-source]').getAttribute('data-name'), path.basename(IMAGE), 'the scan was closed by Cancel');
    assert.equal(await page.locator('[data-testid=mri-segment]').isEnabled(), true);
  });
});

/** The phantom cut to its first frame: a different volume (nt = 1) for the "second drop" test. */
function firstFrameOnly(file) {
  const bytes = gunzipSync(new Uint8Array(fs.readFileSync(file)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getInt32(0, true) === 348;
  const dim = (i) => view.getInt16(40 + 2 * i, little);
  const voxOffset = Math.round(view.getFloat32(108, little));
  const frameBytes = dim(1) * dim(2) * dim(3) * (view.getInt16(72, little) / 8);
  const out = bytes.slice(0, voxOffset + frameBytes);
  new DataView(out.buffer).setInt16(40 + 2 * 4, 1, little);
  return { frames: dim(4), bytes: Buffer.from(gzipSync(out)) };
}

test('MRI: a second scan dropped mid-run replaces the first: only its result is shown, and the first run stopped early', { ...T, skip: !truthFile && 'no phantom fixture in tests/fixtures/mri' }, async (t) => {
  const second = path.join(tmp.dir, 'second_frame0.nii.gz');
  const { frames, bytes } = firstFrameOnly(IMAGE);
  fs.writeFileSync(second, bytes);
  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    await page.locator('[data-testid=mri-file]').setInputFiles(IMAGE);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="mri-progress"]')?.getAttribute('data-done')) >= 2, null, { timeout: 240_000 });
    const firstTotal = Number(await page.locator('[data-testid=mri-progress]').getAttribute('data-total'));
    await page.locator('[data-testid=mri-file]').setInputFiles(second);
    await page.waitForFunction((name) => document.querySelector('[data-testid="mri-source"]')?.getAttribute('data-name') === name, path.basename(second), { timeout: 120_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="mri-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 480_000 });
    assert.equal(await errorBanner(page), null, 'an error banner after the second scan');

    // The first run stopped at its next slice, long before its end.
    const replaced = await page.locator('[data-testid=mri-replaced]').textContent({ timeout: 30_000 });
    const [, done] = /stopped after (\d+) of (\d+) slices/.exec(replaced) ?? [];
    t.diagnostic(`${replaced.trim()} (first scan: ${firstTotal} slices)`);
    assert.ok(done !== undefined && Number(done) < firstTotal / 2, `the first run did not stop early: "${replaced}"`);

    // What is shown is the second scan's segmentation: one frame, and its labels match the phantom's first frame.
    const { body } = await download(page, '[data-testid=mri-export-nifti]');
    const shown = readLabels(body);
    const expected = readLabels(fs.readFileSync(LABEL));
    assert.equal(frames > 1, true, 'the fixture should be a cine');
    assert.equal(shown.dims.length === 3 ? 1 : shown.dims[3], 1, `exported dims ${shown.dims}: not the single-frame scan`);
    const frame0 = expected.labels.subarray(0, shown.labels.length);
    const lv = dice(shown.labels, frame0, 3);
    t.diagnostic(`second scan: LV Dice ${lv.toFixed(3)} on frame 0`);
    assert.ok(lv > 0.7, `LV Dice ${lv.toFixed(3)} on the second scan`);
  });
});

test('MRI: a worker that crashes mid-run is reported and restarted; the next run and the other tasks work', { ...T, skip: !truthFile && 'no phantom fixture in tests/fixtures/mri' }, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    await page.locator('[data-testid=mri-file]').setInputFiles(IMAGE);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="mri-progress"]')?.getAttribute('data-done')) >= 2, null, { timeout: 240_000 });
    const worker = page.workers().find((w) => /mri\.worker/.test(w.url()));
    assert.ok(worker, `no MRI worker among ${page.workers().map((w) => w.url()).join(', ')}`);
    // An uncaught error in the worker, as a crash inside the runtime would raise.
    await worker.evaluate(() => setTimeout(() => { throw new Error('simulated crash'); }));
    const banner = page.locator('[data-testid=error][data-code=WORKER_CRASHED]');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    const text = (await banner.textContent()).trim();
    t.diagnostic(`after the crash: ${text}`);
    assert.match(text, /mri worker stopped/);
    assert.equal(await page.locator('[data-testid=mri-source]').getAttribute('data-name'), path.basename(IMAGE), 'the scan stays open');

    // Segment again: a fresh worker does the whole run.
    await page.locator('[data-testid=mri-segment]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="mri-results"]')?.getAttribute('data-status') === 'done' && document.querySelector('[data-testid="mri-function"]'), null, { timeout: 480_000 });
    assert.equal(await errorBanner(page), null, 'an error banner after the second run');
    assert.ok(Number(await page.locator('[data-testid=mri-function]').getAttribute('data-ef')) > 0, 'no EF after the rerun');

    // The other tasks never noticed: the Faces tab still detects the astronaut.
    await page.locator('[data-testid=nav-face]').click();
    await page.locator('[data-testid=face-file]').setInputFiles(ASTRONAUT);
    await page.waitForFunction(() => document.querySelector('[data-testid="face-results"]')?.getAttribute('data-status') === 'done' && document.querySelectorAll('[data-testid=face-row]').length >= 1, null, { timeout: 120_000 });
  });
});

const NIB_4D = '/usr/lib/python3/dist-packages/nibabel/tests/data/example4d.nii.gz';
const MR_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm';

test('MRI: a brain fMRI and a small non-cardiac MR slice are refused with their reason and no numbers; the phantom cine still gets its EF', { ...T, skip: (!truthFile || !fs.existsSync(NIB_4D) || !fs.existsSync(MR_SMALL)) && 'needs the phantom fixture and Debian nibabel/pydicom test files' }, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    for (const [file, code, reason] of [[NIB_4D, 'NOT_CARDIAC_MRI', /no left-ventricular blood pool/], [MR_SMALL, 'NOT_CARDIAC_MRI', /field of view is 20 × 20 mm/]]) {
      await page.locator('[data-testid=mri-file]').setInputFiles(file);
      const banner = page.locator(`[data-testid=error][data-code=${code}]`);
      await banner.waitFor({ state: 'visible', timeout: 240_000 });
      const text = (await banner.textContent()).trim();
      t.diagnostic(`${path.basename(file)}: ${text}`);
      assert.match(text, reason);
      assert.equal(await page.locator('[data-testid=mri-source]').getAttribute('data-name'), path.basename(file));
      assert.equal(await page.locator('[data-testid=mri-function]').count(), 0, 'an EF is shown for a refused input');
      assert.equal(await page.locator('[data-testid=mri-areas]').count(), 0, 'areas are shown for a refused input');
    }
    await segmentFile(page, IMAGE);
    const ef = Number(await page.locator('[data-testid=mri-function]').getAttribute('data-ef'));
    assert.ok(Math.abs(ef - truth.ef * 100) <= 5, `EF ${ef} after the refusals`);
  });
});

test('MRI: a PNG stack gets volumes only once its pixel size and slice spacing are set, and then a plausible LV volume', { ...T, skip: !truthFile && 'no phantom fixture in tests/fixtures/mri' }, async (t) => {
  const sharp = (await import('sharp')).default;
  // Frame 0 of the phantom cine as 8-bit PNG slices, and its true LV volume from the label file.
  const image = (() => {
    let buf = fs.readFileSync(IMAGE);
    buf = Buffer.from(gunzipSync(new Uint8Array(buf)));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const header = nifti.readHeader(ab);
    const raw = nifti.readImage(header, ab);
    const Typed = { 2: Uint8Array, 4: Int16Array, 16: Float32Array, 512: Uint16Array }[header.datatypeCode];
    assert.ok(Typed, `unexpected NIfTI datatype ${header.datatypeCode}`);
    return { header, data: new Typed(raw) };
  })();
  const [nx, ny, nz] = image.header.dims.slice(1, 4);
  const [dx, dy, dz] = image.header.pixDims.slice(1, 4);
  const typed = image.data;
  const plane = nx * ny;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < plane * nz; i++) { lo = Math.min(lo, typed[i]); hi = Math.max(hi, typed[i]); }
  const files = [];
  for (let z = 0; z < nz; z++) {
    const px = Buffer.alloc(plane);
    for (let i = 0; i < plane; i++) px[i] = Math.round(((typed[z * plane + i] - lo) / (hi - lo)) * 255);
    const file = path.join(tmp.dir, `slice_${String(z + 1).padStart(2, '0')}.png`);
    await sharp(px, { raw: { width: nx, height: ny, channels: 1 } }).png().toFile(file);
    files.push(file);
  }
  const labels = readLabels(fs.readFileSync(LABEL)).labels;
  let lvVoxels = 0;
  for (let i = 0; i < plane * nz; i++) if (labels[i] === 3) lvVoxels++;
  const trueLvMl = (lvVoxels * dx * dy * dz) / 1000;

  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    await page.locator('[data-testid=mri-file]').setInputFiles(files);
    await page.waitForFunction(() => document.querySelector('[data-testid="mri-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 240_000 });
    assert.equal(await page.locator('[data-testid=mri-needs-geometry]').count(), 1, 'volumes shown before the geometry is known');
    assert.equal(await page.locator('[data-testid=mri-volumes]').count(), 0);
    assert.match(await page.locator('[data-testid=mri-source]').textContent(), /assumed: pixel size 1 mm, slice spacing 1 mm/);

    await page.locator('[data-testid=mri-pixel-size]').fill(String(dx));
    await page.locator('[data-testid=mri-slice-spacing]').fill(String(dz));
    await page.locator('[data-testid=mri-slice-spacing]').blur();
    await page.locator('[data-testid=mri-volumes]').waitFor({ state: 'visible', timeout: 240_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="mri-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 240_000 });
    assert.match(await page.locator('[data-testid=mri-source]').textContent(), /as you set them/);
    const lv = Number(await page.locator('[data-testid=mri-volumes] tbody tr').first().locator('td').nth(3).textContent());
    t.diagnostic(`PNG stack LV ${lv} mL vs the phantom's ${trueLvMl.toFixed(1)} mL (frame 0)`);
    assert.ok(Math.abs(lv - trueLvMl) / trueLvMl <= 0.15, `LV ${lv} mL vs ${trueLvMl.toFixed(1)} mL`);
    assert.equal(await page.locator('[data-testid=mri-ef-needs-cine]').count(), 1, 'a one-frame stack should say EF needs a cine');
  });
});

const INDEPENDENT = path.join(FIXTURES, 'mri-independent');
const indTruth = fs.existsSync(path.join(INDEPENDENT, 'sax_phantom_b.json')) && JSON.parse(fs.readFileSync(path.join(INDEPENDENT, 'sax_phantom_b.json'), 'utf8'));

test('MRI: a cine from the independent phantom generator (never trained on): LV EDV within 10 % and EF within 5 points of its truth', { ...T, skip: !indTruth && 'no tests/fixtures/mri-independent' }, async (t) => {
  const image = path.join(INDEPENDENT, 'sax_phantom_b_image.nii.gz');
  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    await segmentFile(page, image);
    const fn = page.locator('[data-testid=mri-function]');
    const [ef, edv] = [Number(await fn.getAttribute('data-ef')), Number(await fn.getAttribute('data-edv'))];
    const { body } = await download(page, '[data-testid=mri-export-nifti]');
    const shown = readLabels(body);
    const expected = readLabels(fs.readFileSync(path.join(INDEPENDENT, 'sax_phantom_b_label.nii.gz')));
    const scores = [1, 2, 3].map((l) => dice(shown.labels, expected.labels, l));
    t.diagnostic(`independent generator: EF ${ef.toFixed(1)} % (true ${(indTruth.ef * 100).toFixed(1)}), EDV ${edv.toFixed(1)} mL (true ${indTruth.edvMl}); Dice RV ${scores[0].toFixed(3)} MYO ${scores[1].toFixed(3)} LV ${scores[2].toFixed(3)}`);
    assert.ok(Math.abs(edv - indTruth.edvMl) / indTruth.edvMl <= 0.1, `EDV ${edv} vs ${indTruth.edvMl}`);
    assert.ok(Math.abs(ef - indTruth.ef * 100) <= 5, `EF ${ef} vs ${indTruth.ef * 100}`);
    assert.ok(scores[2] >= 0.9, `LV Dice ${scores[2]}`);
  });
});

const NO_META = '/usr/lib/python3/dist-packages/pydicom/data/test_files/no_meta.dcm';
const ANALYZE = ['hdr', 'img'].map((e) => path.join(FIXTURES, 'analyze', `phantom_int16.${e}`));

/** Drops several files at once on the MRI view, as a drag of a multi-file selection does. */
async function dropFiles(page, files) {
  const payload = files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString('base64') }));
  await page.locator('[data-testid=mri-view]').evaluate((el, payload) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of payload) dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
    for (const type of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, composed: true, dataTransfer: dt }));
  }, payload);
}

test('MRI: a DICOM file without preamble or file meta, a gzipped DICOM (.dcm.gz) and an ANALYZE .hdr/.img pair are read, then refused for their content; a lone .hdr names its missing .img', { ...T, skip: !fs.existsSync(NO_META) && 'needs Debian python3-pydicom (no_meta.dcm)' }, async (t) => {
  const tmp = tempDir();
  const dcmGz = path.join(tmp.dir, 'CT_small.dcm.gz');
  fs.writeFileSync(dcmGz, gzipSync(fs.readFileSync(path.join(path.dirname(NO_META), 'CT_small.dcm'))));
  t.after(() => tmp.cleanup());
  await withBrowser(t, {}, async ({ page }) => {
    await openMri(page);
    for (const [files, name, reason] of [
      [[NO_META], 'no_meta.dcm', /this is a DICOM CT series, not MR/],
      [ANALYZE, 'phantom_int16.hdr', /its field of view is 48 × 40 mm/],
      [[dcmGz], 'CT_small.dcm', /this is a DICOM CT series, not MR/],
    ]) {
      await dropFiles(page, files);
      const banner = page.locator('[data-testid=error][data-code=NOT_CARDIAC_MRI]');
      // the source's name (a .gz name may be kept or dropped) shows the new input is open
      await page.waitForFunction((n) => (document.querySelector('[data-testid="mri-source"]')?.getAttribute('data-name') ?? '').startsWith(n), name, { timeout: 120_000 });
      await banner.waitFor({ state: 'visible', timeout: 240_000 });
      const text = (await banner.textContent()).trim();
      t.diagnostic(`${name}: ${text}`);
      assert.match(text, reason);
      assert.equal(await page.locator('[data-testid=mri-function]').count(), 0, 'an EF is shown for a refused input');
    }
    await dropFiles(page, [ANALYZE[0]]);
    const missing = page.locator('[data-testid=error][data-code=INCOMPLETE_PAIR]');
    await missing.waitFor({ state: 'visible', timeout: 60_000 });
    const text = (await missing.textContent()).trim();
    t.diagnostic(`lone .hdr: ${text}`);
    assert.match(text, /phantom_int16\.hdr is the header .* but phantom_int16\.img was not given/);
  });
});
