// End-to-end tests of the chest-CT view. This version ships no default CT model (see README), so the view must say
// so, still open DICOM series, and classify with a custom model: the trial-weights fixture
// (tests/fixtures/ct/trial-model, weak on purpose — these tests check the pipeline, not accuracy).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, ensureServer, withBrowser, openApp, errorBanner, tempDir } from './lib.mjs';

const T = { timeout: 600_000 };
const DIR = path.join(FIXTURES, 'ct');
const series = (name) => fs.readdirSync(path.join(DIR, name)).map((f) => path.join(DIR, name, f));
const COVID = series('covid19_dicom');
const TRIAL = ['model.onnx', 'manifest.json'].map((f) => path.join(DIR, 'trial-model', f));
const CLASSES = ['healthy', 'covid19', 'viral', 'bacterial'];

let stopServer = async () => {};
const tmp = tempDir('loupe-e2e-ct-');
before(async () => {
  stopServer = await ensureServer();
}, { timeout: 600_000 });
after(async () => {
  await stopServer();
  tmp.cleanup();
});

async function openCt(page) {
  await openApp(page, { ep: 'wasm' });
  await page.locator('[data-testid=nav-ct]').click();
  await page.locator('[data-testid=ct-view]').waitFor({ state: 'visible' });
}

test('CT: without a default model the view says so, opens a DICOM series, and classifies with a custom model', T, async (t) => {
  const truth = JSON.parse(fs.readFileSync(path.join(DIR, 'covid19.json'), 'utf8'));
  await withBrowser(t, {}, async ({ page }) => {
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
