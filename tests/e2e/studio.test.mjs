// End-to-end tests of the studio around the tasks: one-click samples in every tab, tab URLs with Back/Forward, the
// phone layout (390 px: no horizontal overflow, a folding task menu), and file pickers as real, focusable buttons.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_URL, FIXTURES, axeViolations, ensureServer, withBrowser, openApp, errorBanner, faceRows, tempDir } from './lib.mjs';

const T = { timeout: 900_000 };
let stopServer = async () => {};
const tmp = tempDir('loupe-e2e-studio-');
before(async () => { stopServer = await ensureServer(); }, { timeout: 600_000 });
after(async () => {
  await stopServer();
  tmp.cleanup();
});

const waitDone = (page, testid, timeout = 480_000) =>
  page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-status') === 'done', testid, { timeout });

test('samples: one click in every tab gives a real result (faces, group in accurate mode, MRI cine EF, CT classes, chat answer); axe finds no serious or critical violation with and without results; after that visit all four tasks run offline', T, async (t) => {
  await withBrowser(t, {}, async ({ page, context }) => {
    await openApp(page, { ep: 'wasm' });
    const axe = async (where) => assert.deepEqual(await axeViolations(page), [], `accessibility, ${where}`);
    for (const tab of ['mri', 'ct', 'chat', 'face']) {
      await page.locator(`[data-testid=nav-${tab}]`).click();
      await page.locator(`[data-testid=${tab}-view]`).waitFor({ state: 'visible', timeout: 30_000 });
      await axe(`${tab} tab, empty`);
    }
    await page.locator('[data-testid=face-samples-portrait]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="face-source"]')?.getAttribute('data-name') === 'astronaut.png' && document.querySelector('[data-testid="face-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 120_000 });
    assert.equal((await faceRows(page)).length, 1, 'portrait: one face');
    await page.locator('[data-testid=face-samples-group]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="face-source"]')?.getAttribute('data-name') === 'group.jpg' && document.querySelector('[data-testid="face-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 300_000 });
    const group = (await faceRows(page)).length;
    t.diagnostic(`group sample: ${group} faces of 13`);
    assert.ok(group >= 10, `group: ${group} faces`);
    await axe('faces with a result');

    await page.locator('[data-testid=nav-mri]').click();
    await page.locator('[data-testid=mri-samples-cine]').click();
    await page.locator('[data-testid=mri-function]').waitFor({ state: 'visible', timeout: 480_000 });
    const ef = Number(await page.locator('[data-testid=mri-function]').getAttribute('data-ef'));
    t.diagnostic(`MRI sample EF ${ef.toFixed(1)} %`);
    assert.ok(ef > 30 && ef < 80, `EF ${ef}`);
    await axe('MRI with a result');

    await page.locator('[data-testid=nav-ct]').click();
    for (const [id, want] of [['covid19', 'covid19'], ['healthy', 'healthy']]) {
      await page.evaluate(() => document.querySelector('[data-testid="ct-top"]')?.setAttribute('data-e2e-previous', ''));
      await page.locator(`[data-testid=ct-samples-${id}]`).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="ct-top"]:not([data-e2e-previous])'), null, { timeout: 480_000 });
      assert.equal(await page.locator('[data-testid=ct-top]').getAttribute('data-class'), want, `CT sample ${id}`);
    }
    await axe('CT with a result');

    await page.locator('[data-testid=nav-chat]').click();
    await page.locator('[data-testid=chat-examples-1]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].some((m) => m.getAttribute('data-streaming') === 'false' && /food made from dough/i.test(m.textContent)), null, { timeout: 120_000 });
    assert.equal(await errorBanner(page), null);
    await axe('chat with an answer');

    // Offline after that one visit: the service worker serves the app shell, the app its cached models.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await context.setOffline(true);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid=chat-view]').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('[data-testid=chat-examples-2]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].some((m) => m.getAttribute('data-streaming') === 'false' && /automobile/i.test(m.textContent)), null, { timeout: 120_000 });
    await page.locator('[data-testid=nav-face]').click();
    await page.locator('[data-testid=face-samples-portrait]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="face-source"]')?.getAttribute('data-name') === 'astronaut.png' && document.querySelector('[data-testid="face-results"]')?.getAttribute('data-status') === 'done', null, { timeout: 120_000 });
    assert.equal((await faceRows(page)).length, 1, 'offline portrait: one face');
    await page.locator('[data-testid=nav-ct]').click({ timeout: 120_000 });
    await page.locator('[data-testid=ct-samples-covid19]').click();
    await page.locator('[data-testid=ct-top]').waitFor({ state: 'visible', timeout: 480_000 });
    assert.equal(await page.locator('[data-testid=ct-top]').getAttribute('data-class'), 'covid19', 'offline CT');
    await page.locator('[data-testid=nav-mri]').click({ timeout: 120_000 });
    await page.locator('[data-testid=mri-samples-cine]').click();
    await page.locator('[data-testid=mri-function]').waitFor({ state: 'visible', timeout: 480_000 });
    assert.equal(await errorBanner(page), null, 'an error offline');
    t.diagnostic('offline: chat, faces, MRI and CT all ran from the caches');
    await context.setOffline(false);
  });
});

test('URLs: every tab has its own (#mri), Back and Forward move between tabs, a deep link opens its tab', T, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openApp(page, { ep: 'wasm' });
    await page.locator('[data-testid=nav-mri]').click();
    await page.locator('[data-testid=mri-view]').waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('[data-testid=nav-ct]').click();
    await page.locator('[data-testid=ct-view]').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(new URL(page.url()).hash, '#ct');
    for (const [move, view] of [['goBack', 'mri'], ['goBack', 'face'], ['goForward', 'mri']]) {
      await page[move]();
      t.diagnostic(`${move}: ${page.url()}`);
      await page.locator(`[data-testid=${view}-view]`).waitFor({ state: 'visible', timeout: 30_000 });
    }
    await page.goto(`${BASE_URL}/?ep=wasm#chat`);
    await page.locator('[data-testid=chat-view]').waitFor({ state: 'visible', timeout: 30_000 });
  });
});

test('phone (390 px): no tab is wider than the screen, the task menu folds, file pickers are focusable buttons', T, async (t) => {
  await withBrowser(t, { viewport: { width: 390, height: 844 } }, async ({ page }) => {
    await openApp(page, { ep: 'wasm' });
    assert.equal(await page.locator('[data-testid=nav-mri]').isVisible(), false, 'the task list should be folded on a phone');
    for (const tab of ['face', 'mri', 'ct', 'chat']) {
      await page.locator('[data-testid=menu-toggle]').click();
      await page.locator(`[data-testid=nav-${tab}]`).click();
      await page.locator(`[data-testid=${tab}-view]`).waitFor({ state: 'visible', timeout: 30_000 });
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      t.diagnostic(`${tab}: page ${scroll} px wide in a ${width} px viewport`);
      assert.ok(scroll <= width, `${tab}: ${scroll} px of content in a ${width} px viewport`);
    }
    // Keyboard: Tab reaches the photo picker's button in the Faces tab.
    await page.locator('[data-testid=menu-toggle]').click();
    await page.locator('[data-testid=nav-face]').click();
    const button = page.getByRole('button', { name: 'Open image…' });
    await button.focus();
    assert.equal(await button.evaluate((b) => b === document.activeElement && b.tagName), 'BUTTON');
  });
});

test('errors in the words of each tab: a DICOM series dropped on Faces is offered to CT and classified there; an empty file is called empty; a text file in MRI asks for a scan', T, async (t) => {
  const dir = path.join(FIXTURES, 'ct', 'covid19_dicom');
  const series = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const empty = path.join(tmp.dir, 'empty.nii.gz');
  fs.writeFileSync(empty, '');
  const text = path.join(tmp.dir, 'notes.txt');
  fs.writeFileSync(text, 'not a scan');
  await withBrowser(t, {}, async ({ page }) => {
    await openApp(page, { ep: 'wasm' });
    await page.locator('[data-testid=face-file]').setInputFiles(series);
    await page.locator('[data-testid=face-scan-offer]').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await page.locator('[data-testid=error]').textContent(), /a medical scan, not a photo/);
    await page.locator('[data-testid=face-scan-to-ct]').click();
    await page.locator('[data-testid=ct-top]').waitFor({ state: 'visible', timeout: 480_000 });
    assert.equal(await page.locator('[data-testid=ct-top]').getAttribute('data-class'), 'covid19');

    await page.locator('[data-testid=nav-mri]').click();
    await page.locator('[data-testid=mri-file]').setInputFiles(empty);
    await page.locator('[data-testid=error][data-code=EMPTY_FILE]').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('[data-testid=mri-file]').setInputFiles(text);
    const banner = page.locator('[data-testid=error]');
    await page.waitForFunction(() => /not a scan Loupe can read/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ''), null, { timeout: 60_000 });
    t.diagnostic(`MRI, notes.txt: ${(await banner.textContent()).trim()}`);
  });
});
