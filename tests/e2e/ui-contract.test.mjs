// Smoke tests of the rest of the UI contract (navigation, backend badge, controls, file input, paste).
// Not part of the six face tests; kept in their own file so their failures are easy to tell apart.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ASTRONAUT, ASTRONAUT_FACE, BASE_URL, ensureServer, withBrowser, openApp, runAndWait, pasteFile, backendInfo, iou, fmtBox,
} from './lib.mjs';

const RUN_TIMEOUT = 180_000;
const T = { timeout: 300_000 };
let stopServer = async () => {};
before(async () => { stopServer = await ensureServer(); }, { timeout: 600_000 });
after(async () => { await stopServer(); });

test('contract: nav (faces, MRI, CT, chat views), backend badge and face controls', T, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openApp(page);
    const nav = page.locator('[data-testid=task-nav]');
    await nav.waitFor({ state: 'visible' });
    for (const view of ['mri', 'ct', 'chat']) {
      await nav.locator(`[data-testid=nav-${view}]`).click();
      await page.locator(`[data-testid=${view}-view]`).waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await page.locator('[data-testid=face-view]').isVisible(), false, `face-view still visible on ${view}`);
    }
    await nav.locator('[data-testid=nav-face]').click();
    await page.locator('[data-testid=face-view]').waitFor({ state: 'visible', timeout: 10_000 });

    const values = (sel) => page.locator(`${sel} option`).evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual((await values('select[data-testid=ep-select]')).sort(), ['auto', 'wasm', 'webgpu']);
    assert.deepEqual((await values('select[data-testid=face-model]')).sort(), ['blazeface-full', 'blazeface-short']);
    assert.equal(await page.locator('[data-testid=face-accurate]').getAttribute('type'), 'checkbox');
    assert.equal(await page.locator('[data-testid=face-threshold]').getAttribute('type'), 'range');
    // The contract lists idle|running|done|error; an extra transient state while the model loads is tolerated.
    const first = await page.locator('[data-testid=face-results]').getAttribute('data-status');
    if (first !== 'idle') t.diagnostic(`face-results data-status starts as "${first}" (not in the contract's idle|running|done|error)`);
    await page.waitForFunction(() => document.querySelector('[data-testid="face-results"]')?.getAttribute('data-status') === 'idle', null, { timeout: 60_000 });

    await openApp(page, { ep: 'wasm' });
    const b = await backendInfo(page);
    t.diagnostic(`backend ${JSON.stringify(b)}`);
    assert.equal(b.ep, 'wasm');
    assert.equal(b.isolated, 'true', 'page is not cross-origin isolated (COOP/COEP)');
    assert.ok(Number.isInteger(b.threads) && b.threads >= 1, `data-threads=${b.threads}`);
  });
});

test('contract: the production server sends COOP/COEP and a strict CSP; a hash URL opens its tab; the download list clears', T, async (t) => {
  const res = await fetch(`${BASE_URL}/`);
  const csp = res.headers.get('content-security-policy') ?? '';
  t.diagnostic(`CSP: ${csp}`);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/, 'scripts only from the origin (no inline, no eval)');
  assert.match(csp, /connect-src 'self'/);
  assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
  await withBrowser(t, {}, async ({ page }) => {
    await page.goto(`${BASE_URL}/?ep=wasm#chat`, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid=chat-view]').waitFor({ state: 'visible', timeout: 60_000 });
    // Once the chat model is loaded, no row of the download list stays behind (it used to stay at 100 %).
    await page.locator('[data-testid=chat-model-info]').waitFor({ state: 'visible', timeout: 120_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="progress"]') === null, null, { timeout: 120_000 });
    await page.locator('[data-testid=nav-mri]').click();
    assert.equal(await page.locator('[data-testid="progress"]').count(), 0, 'download rows on another tab');
  });
});

test('contract: the file input and a paste load an image too', T, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openApp(page, { ep: 'wasm' });
    const viaInput = await runAndWait(page, () => page.locator('input[type=file][data-testid=face-file]').setInputFiles(ASTRONAUT), { name: 'astronaut.png', timeout: RUN_TIMEOUT });
    assert.equal(viaInput.length, 1, `file input: ${viaInput.length} rows`);
    assert.ok(iou(viaInput[0].box, ASTRONAUT_FACE) >= 0.5, `file input box ${fmtBox(viaInput[0].box)}`);

    const viaPaste = await runAndWait(page, () => pasteFile(page, ASTRONAUT, 'image/png', { name: 'pasted.png' }), { name: 'pasted.png', timeout: RUN_TIMEOUT });
    assert.equal(viaPaste.length, 1, `paste: ${viaPaste.length} rows`);
    assert.ok(iou(viaPaste[0].box, ASTRONAUT_FACE) >= 0.5, `paste box ${fmtBox(viaPaste[0].box)}`);
  });
});
