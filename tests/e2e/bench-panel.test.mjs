// End-to-end test of the Benchmark panel in the default build (the one `npm start` and this suite serve): it ships
// none of the benchmark's peer runtimes (MediaPipe, Transformers.js's ONNX Runtime), says so, and still runs Loupe's
// own items. The peers themselves are exercised by `npm run bench:smoke`, which builds with LOUPE_BENCH=1.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_URL, OUT_DIR, ROOT, ensureServer, withBrowser } from './lib.mjs';

const T = { timeout: 600_000 };
let stopServer = async () => {};
before(async () => { stopServer = await ensureServer(); }, { timeout: 600_000 });
after(async () => stopServer());

test('benchmark panel, default build: no peer files built or fetched, the peer items are marked "benchmark build only", the native item "npm run bench only", and our own items run', T, async (t) => {
  if (!process.env.E2E_BASE_URL && !process.env.LOUPE_BENCH) {
    const dist = path.join(ROOT, OUT_DIR);
    assert.ok(!fs.existsSync(path.join(dist, 'mediapipe')), `${OUT_DIR}/mediapipe/ exists`);
    const peerFiles = fs.readdirSync(path.join(dist, 'assets')).filter((n) => /transformers|mediapipe|asyncify/i.test(n));
    assert.deepEqual(peerFiles, [], 'peer files in the default build');
  }
  await withBrowser(t, {}, async ({ page, requests }) => {
    await page.goto(`${BASE_URL}/?bench`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('[data-testid=bench-view]').waitFor({ state: 'visible', timeout: 60_000 });
    const note = page.locator('[data-testid=bench-peers-absent]');
    await note.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await note.textContent(), /npm run bench.*LOUPE_BENCH=1 npm start/s);
    for (const id of ['faces-mediapipe', 'chat']) {
      const box = page.locator(`[data-testid=bench-item-${id}]`);
      assert.equal(await box.isDisabled(), true, `${id} disabled`);
      assert.equal(await box.isChecked(), false, `${id} unchecked`);
    }
    // The browser-vs-native item needs onnxruntime-node, which only `npm run bench` brings (it exposes the hook).
    const native = page.locator('[data-testid=bench-item-native]');
    assert.equal(await native.isDisabled(), true, 'native disabled');
    assert.equal(await native.isChecked(), false, 'native unchecked');
    assert.match(await native.locator('xpath=..').getAttribute('title'), /npm run bench/);
    // One of our own items, quick: it runs and reports.
    await page.locator('[data-testid=bench-quick]').check();
    await page.locator('[data-testid=bench-reps]').fill('1');
    await page.locator('[data-testid=bench-frames]').fill('1');
    for (const box of await page.locator('[data-testid^=bench-item-]').all()) if (await box.isEnabled()) await box.setChecked(false);
    await page.locator('[data-testid=bench-item-threads]').check();
    await page.locator('[data-testid=bench-run]').click();
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('[data-testid=bench-view]')?.getAttribute('data-status') ?? ''), null, { timeout: 480_000 });
    assert.equal(await page.locator('[data-testid=bench-error]').count(), 0, 'no run error');
    assert.equal(await page.locator('[data-testid=bench-result-threads]').getAttribute('data-status'), 'ok');
    const peerRequests = requests.map((r) => r.url).filter((u) => /mediapipe|transformers|asyncify/i.test(u));
    assert.deepEqual(peerRequests, [], 'requests for peer files');
  });
});
