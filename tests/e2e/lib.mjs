// Shared helpers for Loupe's end-to-end tests: the preview server, Chromium (playwright-core driving
// Debian's /usr/bin/chromium), fixtures, in-page drag-and-drop / paste, and result polling.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASTRONAUT_FACE } from '../fixtures/mosaic.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures');
export const ASTRONAUT = path.join(FIXTURES, 'astronaut.png');
export const WEBCAM_Y4M = path.join(FIXTURES, 'webcam.y4m');
export const MAKE_WEBCAM = path.join(FIXTURES, 'make-webcam.sh');
export const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');
export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
export const PORT = Number(process.env.E2E_PORT ?? 4173);
/** Where `vite build` writes and `vite preview` serves from; default dist/ (E2E_OUT_DIR keeps a busy dist/ untouched). */
export const OUT_DIR = process.env.E2E_OUT_DIR ?? 'dist';
export const BASE_URL = (process.env.E2E_BASE_URL ?? `http://localhost:${PORT}`).replace(/\/+$/, '');
export const ORIGIN = new URL(BASE_URL).origin;

export { ASTRONAUT_FACE };

/**
 * How make-webcam.sh places the 512×512 photo in the 640×480 video frame: uniform scale 480/512, then
 * 80 px of padding left and right. Keep in sync with the ffmpeg filter in make-webcam.sh.
 */
export const WEBCAM = { width: 640, height: 480, fps: 30, frames: 60, scale: 480 / 512, padX: 80, padY: 0 };
/** The astronaut face box in video pixels: [246.875, 73.125, 90, 90]. */
export const WEBCAM_FACE = [
  WEBCAM.padX + ASTRONAUT_FACE[0] * WEBCAM.scale,
  WEBCAM.padY + ASTRONAUT_FACE[1] * WEBCAM.scale,
  ASTRONAUT_FACE[2] * WEBCAM.scale,
  ASTRONAUT_FACE[3] * WEBCAM.scale,
];

/** Chromium flags every test browser gets. */
export const BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/**
 * Flags for WebGPU. With Debian's Chromium 156 headless on a GPU-less host, --enable-unsafe-webgpu alone makes
 * navigator.gpu.requestAdapter() return Dawn's SwiftShader (Vulkan, CPU) adapter (isFallbackAdapter: true);
 * without it the adapter is null, and --enable-features=Vulkan / --use-webgpu-adapter=swiftshader change nothing.
 * E2E_WEBGPU_ARGS (space-separated) replaces the list.
 */
export const WEBGPU_ARGS = process.env.E2E_WEBGPU_ARGS
  ? process.env.E2E_WEBGPU_ARGS.split(/\s+/).filter(Boolean)
  : ['--enable-unsafe-webgpu'];
export const webcamArgs = (y4m = WEBCAM_Y4M) => [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-video-capture=${y4m}`,
];

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

/** Creates tests/fixtures/webcam.y4m when it is missing or older than its inputs. */
export function ensureWebcam({ log = console.error } = {}) {
  const stale = () => {
    if (!fs.existsSync(WEBCAM_Y4M)) return true;
    const t = fs.statSync(WEBCAM_Y4M).mtimeMs;
    return [ASTRONAUT, MAKE_WEBCAM].some((f) => fs.statSync(f).mtimeMs > t);
  };
  if (!stale()) return WEBCAM_Y4M;
  log(`[e2e] building ${path.relative(ROOT, WEBCAM_Y4M)} with ffmpeg`);
  const r = spawnSync('bash', [MAKE_WEBCAM, ASTRONAUT, WEBCAM_Y4M], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-webcam.sh failed (${r.status}): ${r.stderr || r.stdout}`);
  const header = readY4mHeader(WEBCAM_Y4M);
  if (!/\bW640\b/.test(header) || !/\bH480\b/.test(header) || !/\bF30:1\b/.test(header) || !/\bC420/.test(header)) {
    throw new Error(`unexpected y4m header: ${header}`);
  }
  return WEBCAM_Y4M;
}

function readY4mHeader(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(128);
    fs.readSync(fd, buf, 0, 128, 0);
    return buf.toString('latin1').split('\n')[0];
  } finally {
    fs.closeSync(fd);
  }
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'loupe-e2e-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------------------------
// Server

/** True when something answers HTTP at url. */
export async function answers(url, timeoutMs = 2000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.arrayBuffer().catch(() => {});
    return true;
  } catch {
    return false;
  }
}

const outDirArgs = () => (OUT_DIR === 'dist' ? [] : ['--outDir', OUT_DIR]);

/** `npx vite build` in the repo root (inherits stdio). Throws on failure. */
export function build() {
  const r = spawnSync('npx', ['vite', 'build', ...outDirArgs()], { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status ?? r.signal})`);
}

/**
 * Starts `npx vite preview --port 4173 --strictPort` in its own process group and waits until it answers.
 * Returns { url, stop() }; stop() kills the whole group (npx and vite). The server is also killed when this
 * process exits.
 */
export async function startServer({ port = PORT, timeoutMs = 60_000, log = console.error } = {}) {
  const url = `http://localhost:${port}`;
  if (await answers(url)) {
    throw new Error(`something already answers on ${url}; stop it (the tests start their own vite preview), or set E2E_PORT`);
  }
  const child = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort', ...outDirArgs()], {
    cwd: ROOT,
    detached: true, // own process group, so we can kill npx *and* vite
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const kill = (sig) => {
    if (exited) return;
    try { process.kill(-child.pid, sig); } catch { /* already gone */ }
  };
  const onExit = () => kill('SIGKILL');
  process.on('exit', onExit);

  const stop = async () => {
    process.off('exit', onExit);
    if (exited) return;
    kill('SIGTERM');
    const done = new Promise((r) => child.once('exit', r));
    const t = setTimeout(() => kill('SIGKILL'), 3000);
    await done;
    clearTimeout(t);
  };

  const deadline = Date.now() + timeoutMs;
  while (!(await answers(url))) {
    if (exited) throw new Error(`vite preview exited early (${JSON.stringify(exited)}):\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`vite preview did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(250);
  }
  log(`[e2e] vite preview up at ${url} (pid ${child.pid})`);
  return { url, stop, pid: child.pid, output: () => output };
}

/**
 * For test files run directly (`node --test tests/e2e/face.test.mjs`) rather than via run.mjs: when E2E_BASE_URL
 * is not set and nothing answers yet, build (unless E2E_SKIP_BUILD=1) and start the preview server.
 * Returns a stop function (a no-op when the server belongs to someone else).
 */
export async function ensureServer() {
  if (process.env.E2E_BASE_URL || (await answers(BASE_URL))) {
    if (!(await answers(BASE_URL))) throw new Error(`E2E_BASE_URL=${BASE_URL} does not answer`);
    return async () => {};
  }
  ensureWebcam();
  if (process.env.E2E_SKIP_BUILD !== '1') build();
  const server = await startServer();
  return server.stop;
}

// ---------------------------------------------------------------------------------------------------------------
// Browser

/**
 * Launches Chromium with a fresh temporary profile. Options: webgpu (adds WEBGPU_ARGS), webcam (fake camera playing
 * the .y4m; true or a path), args (extra flags).
 * Returns { context, page, requests, consoleLines, close() }. `requests` records every request of the context: pages,
 * dedicated/shared workers and service workers (Playwright reports worker traffic on the context), plus WebSockets.
 */
export async function launch({ webgpu = false, webcam = false, args = [], viewport = { width: 1280, height: 900 } } = {}) {
  const profile = tempDir('loupe-chromium-');
  const launchArgs = [...BASE_ARGS];
  if (webgpu) launchArgs.push(...WEBGPU_ARGS);
  if (webcam) launchArgs.push(...webcamArgs(webcam === true ? ensureWebcam() : webcam));
  launchArgs.push(...args);
  let context;
  try {
    context = await chromium.launchPersistentContext(profile.dir, {
      executablePath: CHROMIUM,
      headless: false, // we pass --headless=new ourselves (Playwright's own headless flag selects the old shell)
      args: launchArgs,
      viewport,
      acceptDownloads: true,
      serviceWorkers: 'allow',
      timeout: 60_000,
    });
  } catch (e) {
    profile.cleanup();
    throw e;
  }
  const requests = [];
  const consoleLines = [];
  context.on('request', (req) => {
    let kind = 'page';
    try { if (req.serviceWorker()) kind = 'service-worker'; } catch { /* older playwright */ }
    requests.push({ url: req.url(), method: req.method(), resourceType: req.resourceType(), kind });
  });
  const watchPage = (p) => {
    p.on('websocket', (ws) => requests.push({ url: ws.url(), method: 'GET', resourceType: 'websocket', kind: 'websocket' }));
    p.on('console', (m) => consoleLines.push(`[console.${m.type()}] ${m.text()}`));
    p.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.stack || e.message}`));
    p.on('worker', (w) => consoleLines.push(`[worker] ${w.url()}`));
    p.on('requestfailed', (r) => consoleLines.push(`[requestfailed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  context.on('serviceworker', (w) => consoleLines.push(`[serviceworker] ${w.url()}`));
  context.setDefaultTimeout(30_000);
  await context.addInitScript(installStatusProbe);
  if (webcam) await context.grantPermissions(['camera'], { origin: ORIGIN }).catch(() => {});
  const page = context.pages()[0] ?? (await context.newPage());

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await context.close().catch(() => {});
    profile.cleanup();
  };
  return { context, page, requests, consoleLines, close, args: launchArgs };
}

/**
 * Runs fn(browser) with a freshly launched browser, always closing it. On failure it saves a screenshot, the page
 * HTML and the console log under test-results/e2e/ and appends the last console lines to the error message.
 */
export async function withBrowser(t, options, fn) {
  const b = await launch(options);
  try {
    const result = await fn(b);
    // Privacy: every test fails when anything (page, worker, service worker, WebSocket) left the app's origin.
    const leaks = requestsLeavingOrigin(b.requests);
    assert.deepEqual(leaks.map((r) => `${r.resourceType} ${r.url}`), [], `requests left ${ORIGIN}`);
    return result;
  } catch (err) {
    await saveArtifacts(t?.name ?? 'test', b).catch(() => {});
    if (err && typeof err === 'object' && b.consoleLines.length) {
      const tail = b.consoleLines.slice(-25).join('\n');
      try { err.message += `\n--- last browser console lines ---\n${tail}`; } catch { /* frozen */ }
    }
    throw err;
  } finally {
    await b.close();
  }
}

/** The recorded requests that went anywhere but the app's origin (data: and blob: URLs stay in the page). */
export function requestsLeavingOrigin(requests) {
  return requests.filter((r) => {
    if (/^(data|blob):/i.test(r.url)) return false;
    try { return new URL(r.url).origin !== ORIGIN; } catch { return true; }
  });
}

async function saveArtifacts(name, b) {
  const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 80) || 'test';
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, `${slug}.console.log`), b.consoleLines.join('\n') + '\n');
  fs.writeFileSync(path.join(ARTIFACTS, `${slug}.requests.json`), JSON.stringify(b.requests, null, 1));
  const page = b.context.pages().at(-1);
  if (!page) return;
  await page.screenshot({ path: path.join(ARTIFACTS, `${slug}.png`), fullPage: true, timeout: 10_000 }).catch(() => {});
  const html = await page.content().catch(() => '');
  if (html) fs.writeFileSync(path.join(ARTIFACTS, `${slug}.html`), html);
}

/** Opens the app (query e.g. { ep: 'wasm' }) and waits for the faces view. */
export async function openApp(page, query = {}, { timeout = 60_000 } = {}) {
  const url = new URL(BASE_URL + '/');
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  await page.goto(url.href, { waitUntil: 'domcontentloaded', timeout });
  await page.locator('[data-testid=face-view]').waitFor({ state: 'visible', timeout });
  return url.href;
}

// ---------------------------------------------------------------------------------------------------------------
// Files into the page

/**
 * Builds a File in the page from bytes (Buffer or a path) and dispatches dragenter → dragover → drop, each carrying a
 * DataTransfer with that file, on the element matching selector (the drop bubbles as a real one would).
 */
export async function dropFile(page, selector, fileOrBytes, mime, { name } = {}) {
  const { bytes, fileName } = readInput(fileOrBytes, name);
  const target = page.locator(selector).first();
  await target.waitFor({ state: 'attached' });
  await target.evaluate(
    async (el, { b64, fileName, mime }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], fileName, { type: mime, lastModified: Date.now() }));
      const r = el.getBoundingClientRect();
      const at = { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
      for (const type of ['dragenter', 'dragover', 'drop']) {
        el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, composed: true, dataTransfer: dt, ...at }));
      }
    },
    { b64: bytes.toString('base64'), fileName, mime },
  );
  return fileName;
}

/** Dispatches a 'paste' ClipboardEvent whose clipboardData holds the file (on the focused element, bubbling to window). */
export async function pasteFile(page, fileOrBytes, mime, { name } = {}) {
  const { bytes, fileName } = readInput(fileOrBytes, name);
  await page.evaluate(
    ({ b64, fileName, mime }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], fileName, { type: mime, lastModified: Date.now() }));
      const target = document.activeElement ?? document.body;
      target.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true, clipboardData: dt }));
    },
    { b64: bytes.toString('base64'), fileName, mime },
  );
  return fileName;
}

function readInput(fileOrBytes, name) {
  if (Buffer.isBuffer(fileOrBytes) || fileOrBytes instanceof Uint8Array) {
    return { bytes: Buffer.from(fileOrBytes), fileName: name ?? 'file.bin' };
  }
  return { bytes: fs.readFileSync(fileOrBytes), fileName: name ?? path.basename(fileOrBytes) };
}

// ---------------------------------------------------------------------------------------------------------------
// Waiting on the app

/**
 * Init script: counts every change of [data-testid=face-results]'s data-status (attribute mutations and the element
 * being (re)mounted) in window.__e2eStatusSeq, so a test can wait for a status reached *after* an action even when the
 * previous run ended in the same status.
 */
function installStatusProbe() {
  if (window.__e2eStatusSeq !== undefined) return;
  window.__e2eStatusSeq = 0;
  window.__e2eStatusLog = [];
  const SEL = '[data-testid="face-results"]';
  const note = () => {
    window.__e2eStatusSeq++;
    const el = document.querySelector(SEL);
    window.__e2eStatusLog.push(`${Math.round(performance.now())}ms ${el ? el.getAttribute('data-status') : '(none)'}`);
    if (window.__e2eStatusLog.length > 200) window.__e2eStatusLog.shift();
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') {
        if (r.attributeName === 'data-status' && r.target.matches?.(SEL)) note();
      } else {
        for (const n of r.addedNodes) {
          if (n.nodeType === 1 && (n.matches(SEL) || n.querySelector(SEL))) { note(); break; }
        }
      }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
}

/** Current value of the status-change counter; pass it as `since` to waitForStatus/waitForResult. */
export const statusMark = (page) => page.evaluate(() => window.__e2eStatusSeq ?? 0);

/**
 * Waits until face-results' data-status is one of `status` (string or array). With `since` (from statusMark), also
 * requires that the status changed at least once after that mark. With `name`, also requires face-source's data-name.
 * Returns the final status.
 */
export async function waitForStatus(page, status, { since, name, timeout = 120_000 } = {}) {
  const wanted = Array.isArray(status) ? status : [status];
  try {
    const h = await page.waitForFunction(
      ({ wanted, since, name }) => {
        const el = document.querySelector('[data-testid="face-results"]');
        const s = el?.getAttribute('data-status');
        if (!wanted.includes(s)) return false;
        if (since !== undefined && since !== null && (window.__e2eStatusSeq ?? 0) <= since) return false;
        if (name != null && document.querySelector('[data-testid="face-source"]')?.getAttribute('data-name') !== name) return false;
        return s;
      },
      { wanted, since, name },
      { timeout, polling: 100 },
    );
    return await h.jsonValue();
  } catch (e) {
    const state = await page
      .evaluate(() => ({
        status: document.querySelector('[data-testid="face-results"]')?.getAttribute('data-status') ?? '(no face-results)',
        name: document.querySelector('[data-testid="face-source"]')?.getAttribute('data-name') ?? '(no face-source)',
        error: (() => {
          const el = document.querySelector('[data-testid="error"]');
          return el ? `${el.getAttribute('data-code')}: ${el.textContent}` : null;
        })(),
        seq: window.__e2eStatusSeq,
        log: (window.__e2eStatusLog ?? []).slice(-10),
      }))
      .catch(() => ({}));
    e.message = `waitForStatus(${wanted.join('|')}${name != null ? `, name=${name}` : ''}${since != null ? `, since=${since}` : ''}) failed: ${e.message}\nstate: ${JSON.stringify(state)}`;
    throw e;
  }
}

/**
 * Does `action()` and waits for the run it triggers to end with data-status "done" for file `name`
 * (an "error" status fails immediately with the banner's code). Returns the face rows.
 */
export async function runAndWait(page, action, { name, timeout = 120_000 } = {}) {
  const since = await statusMark(page);
  await action();
  const s = await waitForStatus(page, ['done', 'error'], { since, name, timeout });
  if (s === 'error') {
    const err = await errorBanner(page);
    throw new Error(`run ended with data-status=error (${err ? `${err.code}: ${err.text}` : 'no error banner'})`);
  }
  return faceRows(page);
}

/** [{ box: [x,y,w,h], score }] from the face-row elements. */
export async function faceRows(page) {
  return page.locator('[data-testid=face-row]').evaluateAll((rows) =>
    rows.map((r) => ({ boxAttr: r.getAttribute('data-box'), score: Number(r.getAttribute('data-score')) })),
  ).then((rows) => rows.map((r) => ({ box: parseBox(r.boxAttr), score: r.score, raw: r.boxAttr })));
}

/** { code, text } of the visible error banner, or null. */
export async function errorBanner(page) {
  const el = page.locator('[data-testid=error]').first();
  if (!(await el.isVisible().catch(() => false))) return null;
  return { code: await el.getAttribute('data-code'), text: (await el.textContent())?.trim() ?? '' };
}

/** { ep, threads, isolated } from the backend badge, waiting until data-ep is non-empty. */
export async function backendInfo(page, { timeout = 60_000 } = {}) {
  const badge = page.locator('[data-testid=backend]').first();
  await page.waitForFunction(() => !!document.querySelector('[data-testid="backend"]')?.getAttribute('data-ep'), null, { timeout });
  return {
    ep: await badge.getAttribute('data-ep'),
    threads: Number(await badge.getAttribute('data-threads')),
    isolated: await badge.getAttribute('data-isolated'),
  };
}

/** Clicks an export button and returns { name, body (Buffer) } of the download it triggers. */
export async function download(page, selector, { timeout = 30_000 } = {}) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout }), page.locator(selector).click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), body: fs.readFileSync(file) };
}

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical accessibility violations on the page as it is now, as "impact rule (n): targets"
 * lines. Injected with evaluate (DevTools), which the page's Content-Security-Policy does not apply to.
 */
export async function axeViolations(page) {
  await page.evaluate(`${AXE_SOURCE}\n;0`);
  return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`));
}

/** Whether navigator.gpu.requestAdapter() yields an adapter on the app's origin (secure context). */
export async function webgpuAdapter(page) {
  return page.evaluate(async () => {
    if (!('gpu' in navigator)) return { ok: false, why: 'navigator.gpu is undefined' };
    try {
      const a = await navigator.gpu.requestAdapter();
      if (!a) return { ok: false, why: 'requestAdapter() returned null' };
      const i = a.info ?? {};
      return { ok: true, vendor: i.vendor, architecture: i.architecture, fallback: i.isFallbackAdapter ?? null };
    } catch (e) {
      return { ok: false, why: `requestAdapter() threw ${e}` };
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Geometry

/** Accepts "x,y,w,h", [x,y,w,h], {x,y,w,h} or {x,y,width,height}. */
export function parseBox(b) {
  if (b == null) throw new Error('missing box');
  let v;
  if (typeof b === 'string') v = b.split(/[\s,]+/).filter(Boolean).map(Number);
  else if (Array.isArray(b)) v = b.map(Number);
  else v = [b.x, b.y, b.w ?? b.width, b.h ?? b.height].map(Number);
  if (v.length !== 4 || v.some((n) => !Number.isFinite(n))) throw new Error(`unparseable box ${JSON.stringify(b)}`);
  return v;
}

export function iou(a, b) {
  const [ax, ay, aw, ah] = parseBox(a);
  const [bx, by, bw, bh] = parseBox(b);
  const ix = Math.max(0, Math.min(ax + aw, bx + bw) - Math.max(ax, bx));
  const iy = Math.max(0, Math.min(ay + ah, by + bh) - Math.max(ay, by));
  const inter = ix * iy;
  const union = aw * ah + bw * bh - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy one-to-one matching by IoU; returns the number of ground-truth boxes matched at ≥ threshold. */
export function countMatched(gt, predicted, threshold = 0.5) {
  const pairs = [];
  gt.forEach((g, i) => predicted.forEach((p, j) => {
    const v = iou(g, p);
    if (v >= threshold) pairs.push([v, i, j]);
  }));
  pairs.sort((a, b) => b[0] - a[0]);
  const usedG = new Set();
  const usedP = new Set();
  for (const [, i, j] of pairs) {
    if (usedG.has(i) || usedP.has(j)) continue;
    usedG.add(i);
    usedP.add(j);
  }
  return usedG.size;
}

export const fmtBox = (b) => `[${parseBox(b).map((n) => Math.round(n * 10) / 10).join(', ')}]`;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
