// End-to-end tests of the chest-CT view with the shipped model (public/models/ct/ucadi-densenet): the generated
// COVID-19 and healthy DICOM series (tests/fixtures/ct) get the right class on top and the COVID-19 activation map
// peaks inside the phantom's lesion mask. Also: without a served default model the view says so and still
// classifies with a custom model (the trial-weights fixture, weak on purpose: no accuracy asserted there), and a
// broken file keeps the open scan.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import dicomParser from 'dicom-parser';
import { FIXTURES, ensureServer, withBrowser, openApp, errorBanner, tempDir, webgpuAdapter, backendInfo } from './lib.mjs';

const T = { timeout: 600_000 };
const DIR = path.join(FIXTURES, 'ct');
const series = (name) => fs.readdirSync(path.join(DIR, name)).map((f) => path.join(DIR, name, f));
const COVID = series('covid19_dicom');
const HEALTHY = series('healthy_dicom');
const TRIAL = ['model.onnx', 'manifest.json'].map((f) => path.join(DIR, 'trial-model', f));
const CLASSES = ['healthy', 'covid19', 'viral', 'bacterial'];

/** The lesion mask (NIfTI-1, uint8, x fastest; z in the order of a position-sorted reader, as the studio's). */
function readLesionMask() {
  const b = zlib.gunzipSync(fs.readFileSync(path.join(DIR, 'covid19_lesion.nii.gz')));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.equal(dv.getInt32(0, true), 348, 'lesion mask: not a little-endian NIfTI-1 file');
  assert.equal(dv.getInt16(70, true), 2, 'lesion mask: not uint8');
  const [nx, ny, nz] = [1, 2, 3].map((i) => dv.getInt16(40 + 2 * i, true));
  const offset = dv.getFloat32(108, true);
  return { dims: [nx, ny, nz], at: (x, y, z) => b[offset + x + nx * (y + ny * z)] };
}

let stopServer = async () => {};
const tmp = tempDir('loupe-e2e-ct-');
before(async () => {
  stopServer = await ensureServer();
}, { timeout: 600_000 });
after(async () => {
  await stopServer();
  tmp.cleanup();
});

async function openCt(page, ep = 'wasm') {
  await openApp(page, { ep });
  await page.locator('[data-testid=nav-ct]').click();
  await page.locator('[data-testid=ct-view]').waitFor({ state: 'visible' });
}

/** Opens a series and waits for its classification (not the previous scan's); returns the probabilities and the top class. */
async function classifySeries(page, files) {
  // A result on screen is marked: the new scan's result is a fresh element (opening a scan clears the result).
  await page.evaluate(() => document.querySelector('[data-testid="ct-top"]')?.setAttribute('data-e2e-previous', ''));
  await page.locator('[data-testid=ct-file]').setInputFiles(files);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="ct-results"]')?.getAttribute('data-status') === 'done' && document.querySelector('[data-testid="ct-top"]:not([data-e2e-previous])'),
    null,
    { timeout: 480_000 },
  );
  assert.equal(await errorBanner(page), null);
  const probs = Object.fromEntries(await Promise.all(CLASSES.map(async (c) => [c, Number(await page.locator(`[data-testid=ct-prob-${c}]`).getAttribute('data-p'))])));
  const sum = Object.values(probs).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 0.01, `probabilities sum to ${sum}`);
  return { probs, top: await page.locator('[data-testid=ct-top]').getAttribute('data-class') };
}

/** "Show" on the activation-map peak: the view jumps to slice z with the map on, and heat colours are drawn there. */
async function showPeak(page, z) {
  await page.locator('[data-testid=ct-goto-peak]').click();
  assert.equal(Number(await page.locator('[data-testid=ct-slice]').inputValue()), z);
  assert.equal(await page.locator('[data-testid=ct-cam]').isChecked(), true);
  const hot = await page.locator('[data-testid=ct-canvas]').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > d[i + 2] + 60) n++;
    return n;
  });
  assert.ok(hot > 20, `only ${hot} heat-coloured pixels on the canvas at the peak slice`);
}

test('CT: the shipped model puts COVID-19 on top for the COVID-19 series, with the activation map peak inside the lesion, and healthy for the healthy one', T, async (t) => {
  const truth = JSON.parse(fs.readFileSync(path.join(DIR, 'covid19.json'), 'utf8'));
  const mask = readLesionMask();
  await withBrowser(t, {}, async ({ page }) => {
    await openCt(page);
    const covid = await classifySeries(page, COVID);
    t.diagnostic(`COVID-19 series: ${JSON.stringify(covid.probs)}`);
    assert.doesNotMatch(await page.locator('[data-testid=ct-model]').textContent(), /\(custom\)/);
    assert.equal(await page.locator('[data-testid=ct-no-default-model]').count(), 0);
    assert.equal(Number(await page.locator('[data-testid=ct-slice]').getAttribute('max')), truth.slices - 1);
    assert.equal(covid.top, 'covid19', `top class ${covid.top}: ${JSON.stringify(covid.probs)}`);
    assert.equal(covid.probs.covid19, Math.max(...Object.values(covid.probs)));

    // The map shown is COVID-19's (the view follows the top class); its peak is a voxel of the lesion mask.
    const peak = page.locator('[data-testid=ct-cam-peak]');
    const [x, y, z] = await Promise.all(['data-x', 'data-y', 'data-z'].map(async (a) => Number(await peak.getAttribute(a))));
    assert.deepEqual(mask.dims, [truth.columns, truth.rows, truth.slices]);
    t.diagnostic(`COVID-19 CAM peak at x ${x}, y ${y}, slice ${z}`);
    assert.equal(mask.at(x, y, z), 1, `the COVID-19 activation map peaks at (${x}, ${y}, ${z}), outside the lesion mask`);
    await showPeak(page, z);

    const healthy = await classifySeries(page, HEALTHY);
    t.diagnostic(`healthy series: ${JSON.stringify(healthy.probs)}`);
    assert.equal(healthy.top, 'healthy', `top class ${healthy.top}: ${JSON.stringify(healthy.probs)}`);
  });
});

test('CT: the int8-weights DenseNet from the model menu gives the float32 probabilities within 0.003, COVID-19 on top, from its own 0.8 MB file', T, async (t) => {
  await withBrowser(t, {}, async ({ page, requests }) => {
    await openCt(page);
    await page.locator('[data-testid=ct-model-menu]').waitFor({ state: 'visible' });
    requests.length = 0;
    await page.locator('[data-testid=ct-model-menu]').selectOption('ucadi-densenet-int8');
    const covid = await classifySeries(page, COVID);
    const onnx = requests.map((r) => new URL(r.url).pathname).filter((u) => u.endsWith('.onnx'));
    t.diagnostic(`int8: ${JSON.stringify(covid.probs)}; model line: ${(await page.locator('[data-testid=ct-model]').textContent()).trim()}; fetched ${onnx.join(' ')}`);
    // (The view loads the default model when it opens; the classification ran on the int8 one.)
    assert.ok(onnx.includes('/models/ct/ucadi-densenet-int8/model.onnx'), `fetched ${onnx.join(' ')}`);
    assert.match(await page.locator('[data-testid=ct-model]').textContent(), /int8 weights/);
    assert.equal(covid.top, 'covid19');
    // The float32 model's probabilities for this series (training/ct/eval_shipped.py FIXTURE_PROBS, pinned in the test above's model).
    const float32 = { healthy: 0.155, covid19: 0.4293, viral: 0.203, bacterial: 0.213 };
    for (const [c, p] of Object.entries(float32)) assert.ok(Math.abs(covid.probs[c] - p) <= 0.003, `${c}: int8 ${covid.probs[c]} vs float32 ${p}`);
  });
});

/** The `n` middle slices of a DICOM series (files in any order), by ImagePositionPatient z. */
function middleSlices(files, n) {
  const z = (file) => {
    const ds = dicomParser.parseDicom(new Uint8Array(fs.readFileSync(file)));
    return Number(ds.string('x00200032').split('\\')[2]);
  };
  const sorted = files.map((f) => ({ f, z: z(f) })).sort((a, b) => a.z - b.z);
  const start = Math.floor((sorted.length - n) / 2);
  return sorted.slice(start, start + n).map((s) => s.f);
}

test('CT on WebGPU: the DenseNet runs on the WebGPU provider (3D pooling exported as Conv) and gives the WASM result on a 16-slice volume', T, async (t) => {
  // 16 slices: one sampling (one model run), since a software adapter is slow; the class and map are compared with WASM.
  const slab = middleSlices(COVID, 16);
  await withBrowser(t, { webgpu: true }, async ({ page }) => {
    await openApp(page, { ep: 'wasm' });
    const adapter = await webgpuAdapter(page);
    if (!adapter.ok) {
      t.skip(`no WebGPU adapter in headless Chromium: ${adapter.why}`);
      return;
    }
    const peakOf = async () => {
      const peak = page.locator('[data-testid=ct-cam-peak]');
      return Promise.all(['data-x', 'data-y', 'data-z'].map(async (a) => Number(await peak.getAttribute(a))));
    };
    await openCt(page, 'wasm');
    const wasm = await classifySeries(page, slab);
    assert.equal((await backendInfo(page)).ep, 'wasm');
    const wasmPeak = await peakOf();

    await openCt(page, 'webgpu');
    const t0 = Date.now();
    const gpu = await classifySeries(page, slab);
    const backend = await backendInfo(page);
    const fallback = page.locator('[data-testid=backend-fallback]');
    const reason = (await fallback.count()) ? (await fallback.textContent()).trim() : '';
    const gpuPeak = await peakOf();
    t.diagnostic(`adapter ${JSON.stringify(adapter)}; backend ${JSON.stringify(backend)}; ${reason || 'no fallback'}; ${Date.now() - t0} ms`);
    t.diagnostic(`WASM ${JSON.stringify(wasm.probs)} peak ${wasmPeak}; WebGPU ${JSON.stringify(gpu.probs)} peak ${gpuPeak}`);
    assert.equal(backend.ep, 'webgpu', `the CT model did not run on WebGPU: ${reason}`);
    assert.equal(reason, '', 'a fallback notice on WebGPU');
    assert.equal(gpu.top, wasm.top);
    for (const c of CLASSES) assert.ok(Math.abs(gpu.probs[c] - wasm.probs[c]) <= 1e-3, `${c}: WebGPU ${gpu.probs[c]} vs WASM ${wasm.probs[c]}`);
    assert.deepEqual(gpuPeak, wasmPeak, 'the activation map peaks elsewhere on WebGPU');
  });
});

test('CT: without a served default model the view says so, opens a DICOM series, and classifies with a custom model', T, async (t) => {
  const truth = JSON.parse(fs.readFileSync(path.join(DIR, 'covid19.json'), 'utf8'));
  await withBrowser(t, {}, async ({ page, context }) => {
    // The server as a build without the CT model would answer.
    await context.route('**/models/ct/ucadi-densenet/**', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }));
    await openCt(page);
    const notice = page.locator('[data-testid=ct-no-default-model]');
    await notice.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await errorBanner(page), null, 'a missing default model must not show as an error');

    // The series opens (shuffled file names, sorted by position) and is shown, without a result or an error.
    await page.locator('[data-testid=ct-file]').setInputFiles(COVID);
    await page.waitForFunction(() => document.querySelector('[data-testid="ct-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 120_000 });
    assert.equal(await errorBanner(page), null);
    assert.equal(Number(await page.locator('[data-testid=ct-slice]').getAttribute('max')), truth.slices - 1);
    assert.equal(await page.locator('[data-testid=ct-top]').count(), 0, 'a result appeared without a model');

    // A custom model (model.onnx + manifest.json) classifies the open scan: 3 samplings, probabilities, a CAM.
    await page.locator('[data-testid=ct-model-file]').setInputFiles(TRIAL);
    await page.locator('[data-testid=ct-top]').waitFor({ state: 'visible', timeout: 480_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="ct-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 480_000 });
    assert.equal(await errorBanner(page), null);
    assert.match(await page.locator('[data-testid=ct-model]').textContent(), /\(custom\)/);
    assert.equal(await notice.count(), 0, 'the no-default notice stays after a custom model loaded');
    const probs = Object.fromEntries(await Promise.all(CLASSES.map(async (c) => [c, Number(await page.locator(`[data-testid=ct-prob-${c}]`).getAttribute('data-p'))])));
    t.diagnostic(`trial model on the COVID-19 fixture: ${JSON.stringify(probs)}`);
    const sum = Object.values(probs).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 0.01, `probabilities sum to ${sum}`);
    const top = await page.locator('[data-testid=ct-top]').getAttribute('data-class');
    assert.equal(top, CLASSES.reduce((a, b) => (probs[b] > probs[a] ? b : a)), 'the headline is not the most probable class');

    // The activation map: its peak is reported, "Show" jumps there with the map on, and heat is drawn.
    const peak = page.locator('[data-testid=ct-cam-peak]');
    const z = Number(await peak.getAttribute('data-z'));
    assert.ok(z >= 0 && z < truth.slices, `peak slice ${z}`);
    await showPeak(page, z);
  });
});

test('CT: a broken file keeps the open scan', T, async (t) => {
  const broken = path.join(tmp.dir, 'broken.dcm');
  fs.writeFileSync(broken, fs.readFileSync(COVID[0]).subarray(0, 600));
  await withBrowser(t, {}, async ({ page }) => {
    await openCt(page);
    await page.locator('[data-testid=ct-file]').setInputFiles(COVID);
    await page.waitForFunction(() => document.querySelector('[data-testid="ct-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 120_000 });
    const source = await page.locator('[data-testid=ct-source]').getAttribute('data-name');

    await page.locator('[data-testid=ct-file]').setInputFiles(broken);
    const banner = page.locator('[data-testid=error]');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    t.diagnostic(`broken file: ${await banner.getAttribute('data-code')}: ${(await banner.textContent()).trim()}`);
    assert.equal(await page.locator('[data-testid=ct-source]').getAttribute('data-name'), source, 'the open scan was replaced');
  });
});

test('CT: a photo, an MR slice and a brain fMRI are refused with their reason and no diagnosis; the COVID-19 series is still classified', T, async (t) => {
  const inputs = [
    [path.join(FIXTURES, 'astronaut.png'), /colour pictures, not CT slices/],
    ['/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm', /DICOM MR series, not CT/],
    ['/usr/lib/python3/dist-packages/nibabel/tests/data/example4d.nii.gz', /cover \d+ mm from top to bottom|no air-filled lungs/],
  ].filter(([file]) => fs.existsSync(file));
  await withBrowser(t, {}, async ({ page }) => {
    await openCt(page);
    for (const [file, reason] of inputs) {
      await page.locator('[data-testid=ct-file]').setInputFiles(file);
      const banner = page.locator('[data-testid=error][data-code=NOT_CHEST_CT]');
      await banner.waitFor({ state: 'visible', timeout: 120_000 });
      await page.waitForFunction((name) => document.querySelector('[data-testid="ct-source"]')?.getAttribute('data-name') === name, path.basename(file), { timeout: 60_000 });
      const text = (await banner.textContent()).trim();
      t.diagnostic(`${path.basename(file)}: ${text}`);
      assert.match(text, reason);
      assert.equal(await page.locator('[data-testid=ct-top]').count(), 0, `a diagnosis is shown for ${path.basename(file)}`);
    }
    const { top } = await classifySeries(page, COVID);
    assert.equal(top, 'covid19');
  });
});
