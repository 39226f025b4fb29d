#!/usr/bin/env node
// Fresh README screenshots: builds the app (unless E2E_SKIP_BUILD=1), serves it with `vite preview`, opens each tab
// in Debian's Chromium at 1280×800, clicks that tab's one-click sample, waits for the real result and saves
// docs/screenshots/{face,mri,ct,chat}.png (palette PNG when that is smaller, each kept under ~250 KB).
//
//   npm run screenshots
//
// Reuses tests/e2e/lib.mjs: the same build, server (COOP/COEP), Chromium flags and the same "nothing leaves the
// origin" check as the end-to-end tests. Env as there: E2E_SKIP_BUILD, E2E_PORT, E2E_OUT_DIR, E2E_CHROMIUM.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ROOT, PORT, OUT_DIR, build, startServer, launch, openApp, requestsLeavingOrigin, errorBanner } from '../tests/e2e/lib.mjs';

const OUT = path.join(ROOT, 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };
const MAX_BYTES = 250 * 1024;

const done = (page, testid, timeout) =>
  page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-status') === 'done', testid, { timeout });

/** Per tab: click the sample, wait until its result is on screen. */
const SHOTS = [
  {
    tab: 'face',
    async run(page) {
      await page.locator('[data-testid=face-samples-group]').click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid="face-source"]')?.getAttribute('data-name') === 'group.jpg'
          && document.querySelector('[data-testid="face-results"]')?.getAttribute('data-status') === 'done'
          && document.querySelectorAll('[data-testid=face-row]').length > 0,
        null, { timeout: 480_000 });
      return `${await page.locator('[data-testid=face-row]').count()} faces`;
    },
  },
  {
    tab: 'mri',
    async run(page) {
      await page.locator('[data-testid=mri-samples-cine]').click();
      await page.locator('[data-testid=mri-function]').waitFor({ state: 'visible', timeout: 600_000 });
      await done(page, 'mri-results', 600_000);
      return `EF ${Number(await page.locator('[data-testid=mri-function]').getAttribute('data-ef')).toFixed(1)} %`;
    },
  },
  {
    tab: 'ct',
    async run(page) {
      await page.locator('[data-testid=ct-samples-covid19]').click();
      await page.locator('[data-testid=ct-top]').waitFor({ state: 'visible', timeout: 600_000 });
      await done(page, 'ct-results', 600_000);
      // Show the slice where the class activation map peaks, with the heat map on.
      const peak = page.locator('[data-testid=ct-goto-peak]');
      if (await peak.count()) await peak.click();
      await page.waitForTimeout(500);
      return `top class ${await page.locator('[data-testid=ct-top]').getAttribute('data-class')}`;
    },
  },
  {
    tab: 'chat',
    async run(page) {
      await page.locator('[data-testid=chat-examples-1]').click();
      await page.waitForFunction(
        () => [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')]
          .some((m) => m.getAttribute('data-streaming') === 'false' && m.textContent.trim().length > 0),
        null, { timeout: 300_000 });
      // then a follow-up about the same word, with the WordNet entry the answer was read from opened under it
      await page.locator('[data-testid=chat-input]').fill('And its synonyms?');
      await page.locator('[data-testid=chat-send]').click();
      await page.waitForFunction(
        () => [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].length === 2
          && [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].every((m) => m.getAttribute('data-streaming') === 'false'),
        null, { timeout: 300_000 });
      await page.locator('[data-testid=chat-source] summary').last().click();
      const answers = await page.locator('[data-testid=chat-message][data-role=assistant]').allTextContents();
      return `answers: ${answers.map((a) => a.trim().slice(0, 50)).join(' | ')}…`;
    },
  },
];

/** Writes the PNG, re-encoded as a palette PNG when that is smaller (it nearly always is for UI screenshots). */
async function save(buf, file) {
  const plain = await sharp(buf).png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
  const palette = await sharp(buf).png({ compressionLevel: 9, palette: true, quality: 90, effort: 10 }).toBuffer();
  let best = palette.length < plain.length ? palette : plain;
  if (best.length > MAX_BYTES) best = await sharp(buf).png({ compressionLevel: 9, palette: true, colours: 64, effort: 10 }).toBuffer();
  fs.writeFileSync(file, best);
  return best.length;
}

const only = process.argv.slice(2);
const shots = only.length ? SHOTS.filter((s) => only.includes(s.tab)) : SHOTS;

let server;
let browser;
let failed = false;
try {
  fs.mkdirSync(OUT, { recursive: true });
  if (process.env.E2E_SKIP_BUILD === '1') {
    if (!fs.existsSync(path.resolve(ROOT, OUT_DIR, 'index.html'))) throw new Error(`E2E_SKIP_BUILD=1 but ${OUT_DIR}/index.html does not exist`);
  } else {
    build();
  }
  server = await startServer({ port: PORT });
  browser = await launch({ viewport: VIEWPORT });
  const { page } = browser;
  await openApp(page, { ep: 'wasm' });
  for (const shot of shots) {
    const t0 = Date.now();
    await page.locator(`[data-testid=nav-${shot.tab}]`).click();
    await page.locator(`[data-testid=${shot.tab}-view]`).waitFor({ state: 'visible', timeout: 60_000 });
    const what = await shot.run(page);
    const err = await errorBanner(page);
    if (err) throw new Error(`${shot.tab}: error banner ${err.code}: ${err.text}`);
    await page.evaluate(() => { document.activeElement?.blur?.(); window.scrollTo(0, 0); });
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    const buf = await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide', scale: 'css' });
    const file = path.join(OUT, `${shot.tab}.png`);
    const bytes = await save(buf, file);
    console.error(`[screenshots] ${path.relative(ROOT, file)}: ${(bytes / 1024).toFixed(0)} KB, ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    if (bytes > MAX_BYTES) console.error(`[screenshots] warning: ${shot.tab}.png is over ${MAX_BYTES / 1024} KB`);
  }
  const leaks = requestsLeavingOrigin(browser.requests);
  if (leaks.length) throw new Error(`requests left the origin:\n${leaks.map((r) => `${r.resourceType} ${r.url}`).join('\n')}`);
} catch (e) {
  failed = true;
  console.error(`[screenshots] ${e.stack || e}`);
  if (browser?.consoleLines.length) console.error(browser.consoleLines.slice(-20).join('\n'));
} finally {
  await browser?.close();
  await server?.stop();
}
process.exit(failed ? 1 : 0);
