#!/usr/bin/env node
// `npm run bench`: drives the studio's own Benchmark panel in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core, fake camera playing tests/fixtures/webcam.y4m, WebGPU flag on), collects the JSON the panel
// exports, adds the cold-start item measured with fresh browser profiles, and writes bench/results/<date>.json and
// the generated tables of BENCHMARKS.md.
//
//   npm run bench                      # full run (5–8 minutes on 2 cores)
//   npm run bench:smoke                # one repetition of every item, writes nothing under bench/; < 2 minutes
//   node scripts/bench.mjs [--smoke] [--reps N] [--frames N] [--cold-reps N] [--items a,b,...] [--skip-build]
//                          [--dry-run: write test-results/bench/dry-run.json only]
//   node scripts/bench.mjs --render     # regenerate BENCHMARKS.md from the newest bench/results/*.json
//
// Env: BENCH_PORT (default 4183), BENCH_OUT_DIR (build directory, default node_modules/.bench-dist, so a
// concurrent `npm test` keeps its dist/), E2E_CHROMIUM (browser binary).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
process.env.E2E_PORT = process.env.BENCH_PORT ?? '4183';
// The MediaPipe peer's WASM loader evaluates code: the benchmark's own build may (vite.config.ts), the studio's never.
process.env.LOUPE_BENCH = '1';
process.env.E2E_OUT_DIR = process.env.BENCH_OUT_DIR ?? 'node_modules/.bench-dist';
delete process.env.E2E_BASE_URL;
const lib = await import('../tests/e2e/lib.mjs');
const core = await tsImport('../src/bench/core/report.ts', import.meta.url);
const { coldRows } = await tsImport('../src/bench/core/cold.ts', import.meta.url);
const { CHAT_DEFAULT_MODEL } = await tsImport('../src/tasks/chat/models.ts', import.meta.url);
const { NATIVE_HOOK } = await tsImport('../src/bench/core/native.ts', import.meta.url);
const { nativeBridge } = await tsImport('./bench-native.ts', import.meta.url);

// ---------------------------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = { smoke: false, reps: undefined, frames: undefined, coldReps: undefined, items: undefined, skipBuild: false, dryRun: false, render: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--smoke') o.smoke = true;
    else if (a === '--skip-build') o.skipBuild = true;
    else if (a === '--dry-run') o.dryRun = true;
    else if (a === '--render') o.render = true;
    else if (a.startsWith('--reps')) o.reps = positive(value(), a);
    else if (a.startsWith('--frames')) o.frames = positive(value(), a);
    else if (a.startsWith('--cold-reps')) o.coldReps = positive(value(), a);
    else if (a.startsWith('--items')) o.items = value().split(',').filter(Boolean);
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  for (const id of o.items ?? []) if (!core.isItemId(id)) usage(`unknown item ${id}; items: ${core.ITEM_IDS.join(', ')}`);
  return o;
}

function positive(v, name) {
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) usage(`${name} must be a positive integer`);
  return n;
}

function usage(error) {
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 14).map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
  if (error) console.error(`bench: ${error}\n`);
  console.error(text);
  process.exit(error ? 2 : 0);
}

const opts = parseArgs(process.argv.slice(2));
const SMOKE = opts.smoke;
const REPS = opts.reps ?? (SMOKE ? 1 : 7);
const FRAMES = opts.frames ?? (SMOKE ? 2 : 10);
const COLD_REPS = opts.coldReps ?? (SMOKE ? 1 : 3);
const ITEMS = opts.items ?? [...core.ITEM_IDS];
const log = (...a) => console.error('[bench]', ...a);
const started = Date.now();
const loadAtStart = os.loadavg()[0];

// ---------------------------------------------------------------------------------------------------------------
// Machine facts the page cannot see

function chromiumVersion() {
  const r = spawnSync(lib.CHROMIUM, ['--version'], { encoding: 'utf8' });
  return (r.stdout || '').match(/Chromium [\d.]+[^\n]*/)?.[0]?.trim() ?? lib.CHROMIUM;
}

function hostFacts() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim(),
    cpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    browser: chromiumVersion(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// FLOP counts (bench/flops.py with Debian's python3-onnx)

function flopCounts() {
  const py = '/usr/bin/python3';
  const have = fs.existsSync(py) && spawnSync(py, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
  if (!have) {
    log('FLOP counts: /usr/bin/python3 with python3-onnx not found; using the committed src/bench/flops.json');
    return;
  }
  // Smoke and dry runs only check; a full run refreshes the counts (e.g. when the MRI model has landed) before building.
  const check = SMOKE || opts.dryRun;
  const r = spawnSync(py, [path.join(ROOT, 'bench', 'flops.py'), ...(check ? ['--check'] : [])], { encoding: 'utf8' });
  for (const line of (r.stderr || '').trim().split('\n').filter(Boolean)) log(line);
  if (r.status !== 0) log(check ? 'FLOP counts are stale (the flops item marks them); run /usr/bin/python3 bench/flops.py' : `bench/flops.py failed (${r.status})`);
}

// ---------------------------------------------------------------------------------------------------------------
// The panel

async function runPanel(url) {
  // The panel's own cold-start item (a frame, Cache Storage emptied) is the weaker variant of what runCold measures:
  // a smoke run exercises it, a full run spends its time on fresh profiles instead.
  const panelItems = SMOKE ? ITEMS : ITEMS.filter((id) => id !== 'cold');
  if (panelItems.length === 0) return undefined;
  // ForceEagerMeasureMemory: performance.measureUserAgentSpecificMemory() (the chat item's memory row) answers at
  // once instead of at the next garbage collection.
  const b = await lib.launch({ webcam: true, webgpu: true, args: ['--enable-blink-features=ForceEagerMeasureMemory'] });
  try {
    const { page } = b;
    page.on('dialog', (d) => d.dismiss().catch(() => {}));
    // The native side of the browser-vs-native item: onnxruntime-node in this process (scripts/bench-native.ts), loaded
    // when that item starts. Exposed in every run, so the panel offers the item (it disables it without the hook).
    await page.exposeFunction(NATIVE_HOOK, nativeBridge());
    await page.goto(`${url}/?bench`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('[data-testid=bench-view]').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('[data-testid=bench-reps]').fill(String(REPS));
    await page.locator('[data-testid=bench-frames]').fill(String(FRAMES));
    await page.locator('[data-testid=bench-quick]').setChecked(SMOKE);
    for (const id of core.ITEM_IDS) await page.locator(`[data-testid=bench-item-${id}]`).setChecked(panelItems.includes(id));
    await page.locator('[data-testid=bench-run]').click();
    // Follow the panel's progress lines until it is done.
    const seen = new Map();
    // A quick run of the CT item alone is a few 143-GFLOP DenseNet runs (~15–60 s each on 1 thread) once that model is served.
    const deadline = Date.now() + (SMOKE ? 8 : 30) * 60_000;
    for (;;) {
      const state = await page.evaluate(() => ({
        status: document.querySelector('[data-testid="bench-view"]')?.getAttribute('data-status'),
        lines: [...document.querySelectorAll('[data-testid^="bench-progress-"]')].map((li) => [li.getAttribute('data-testid').slice('bench-progress-'.length), li.getAttribute('data-status'), li.lastElementChild?.textContent ?? '']),
        error: document.querySelector('[data-testid="bench-error"]')?.textContent ?? null,
      }));
      for (const [id, status, text] of state.lines) {
        const key = `${status} ${text}`;
        if (seen.get(id) !== key && status !== 'waiting') log(`${id} [${status}]: ${text}`);
        seen.set(id, key);
      }
      if (state.status === 'done') break;
      if (state.status === 'error') throw new Error(`the panel stopped: ${state.error}`);
      if (Date.now() > deadline) throw new Error('the panel did not finish in time');
      await lib.sleep(1000);
    }
    const { body } = await lib.download(page, '[data-testid=bench-export]');
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const tail = b.consoleLines.slice(-30).join('\n');
    if (tail) error.message += `\n--- last browser console lines ---\n${tail}`;
    throw error;
  } finally {
    await b.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cold start: a fresh profile per repetition (first visit), then the same page again in it (later visit)

async function probe(page, url, task) {
  await page.goto(`${url}/?bench=cold-${task}&ep=wasm&threads=1`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  const el = page.locator('[data-testid=bench-cold]');
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('[data-testid="bench-cold"]')?.getAttribute('data-status')), null, { timeout: 180_000, polling: 100 });
  const result = JSON.parse(await el.getAttribute('data-result'));
  if (!result.ok) throw new Error(`cold-start probe (${task}) failed: ${result.error}`);
  return result;
}

/** Whether models/<task>/<id>/ is served: its manifest and its model file (not the preview server's index.html). */
async function modelServed(url, task, id) {
  try {
    const r = await fetch(`${url}/models/${task}/${id}/manifest.json`);
    if (!r.ok || !/json/.test(r.headers.get('content-type') ?? '')) return false;
    const manifest = await r.json();
    const file = manifest.files.find((f) => f.role === 'model');
    const m = await fetch(`${url}/models/${task}/${id}/${file.path}`, { method: 'HEAD' });
    return m.ok && !/text\/html/.test(m.headers.get('content-type') ?? '');
  } catch {
    return false;
  }
}

async function runCold(url) {
  const t = Date.now();
  const tasks = ['face'];
  const rows = [];
  const mri = await modelServed(url, 'mri', 'dfnet');
  if (mri && !SMOKE) tasks.push('mri');
  else if (mri) rows.push({ measure: 'MRI', note: 'not run in a quick run' });
  else rows.push({ measure: 'MRI', note: 'skipped: model missing (models/mri/dfnet/ is not served)' });
  // The CT and default chat models, as the MRI one: not in a smoke run, skipped while not served.
  const ct = await modelServed(url, 'ct', 'ucadi-densenet');
  if (ct && !SMOKE) tasks.push('ct');
  else if (ct) rows.push({ measure: 'CT', note: 'not run in a quick run' });
  else rows.push({ measure: 'CT', note: 'skipped: model missing (models/ct/ucadi-densenet/ is not served)' });
  const chat = await modelServed(url, 'chat', CHAT_DEFAULT_MODEL);
  if (chat && !SMOKE) tasks.push('chat');
  else if (chat) rows.push({ measure: 'chat', note: 'not run in a quick run' });
  else rows.push({ measure: 'chat', note: `skipped: model missing (models/chat/${CHAT_DEFAULT_MODEL}/ is not served)` });
  const firstRows = [];
  for (const task of tasks) {
    const first = [];
    const later = [];
    for (let rep = 0; rep < COLD_REPS; rep++) {
      log(`cold: ${task}, repetition ${rep + 1} of ${COLD_REPS} (fresh profile, then a second visit)`);
      const b = await lib.launch({});
      try {
        first.push(await probe(b.page, url, task));
        later.push(await probe(b.page, url, task));
      } finally {
        await b.close();
      }
    }
    firstRows.push(...coldRows(task, first, later, 'first visit (fresh profile)'));
  }
  return {
    id: 'cold',
    status: 'ok',
    reps: COLD_REPS,
    rows: [...firstRows, ...rows],
    facts: { runtime: 'WASM, 1 thread (?ep=wasm&threads=1)', 'first visit': 'a fresh Chromium profile: empty HTTP cache and Cache Storage', 'later visit': 'the same URL again in that profile' },
    ms: Date.now() - t,
  };
}

// ---------------------------------------------------------------------------------------------------------------

function localDate(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const BENCHMARKS_HEAD = `# Benchmarks

Generated by \`npm run bench\` (scripts/bench.mjs), which drives the studio's own Benchmark panel (sidebar →
Benchmark) in headless Chromium: the numbers below come from the same code a user runs on their machine. Raw
results, with every per-repetition value: \`bench/results/<date>.json\`.

How to read them: every comparison runs both sides in the same run, on the same input, in blocks that alternate
A/B then B/A, and reports the ratio computed per repetition, as median [min–max] over the repetitions. Absolute
times are shown for context only: on this shared machine single-core speed drifts by about ±25 % from run to run,
so compare machines and versions by the ratios.
`;

function writeMarkdown(report) {
  const mdPath = path.join(ROOT, 'BENCHMARKS.md');
  const doc = fs.existsSync(mdPath) ? fs.readFileSync(mdPath, 'utf8') : BENCHMARKS_HEAD;
  fs.writeFileSync(mdPath, core.spliceGenerated(doc, core.markdownReport(report)));
}

async function main() {
  if (opts.render) {
    const dir = path.join(ROOT, 'bench', 'results');
    const newest = fs.readdirSync(dir).filter((f) => /^\d{4}-\d\d-\d\d\.json$/.test(f)).sort().at(-1);
    if (!newest) throw new Error('no bench/results/<date>.json to render');
    writeMarkdown(JSON.parse(fs.readFileSync(path.join(dir, newest), 'utf8')));
    log(`BENCHMARKS.md rendered from bench/results/${newest}`);
    return 0;
  }
  lib.ensureWebcam({ log });
  flopCounts();
  if (!opts.skipBuild) {
    log(`vite build → ${process.env.E2E_OUT_DIR}`);
    lib.build();
  }
  const server = await lib.startServer({ log });
  let report;
  try {
    log(`${SMOKE ? 'smoke' : 'full'} run: ${REPS} repetition(s), ${FRAMES} frame(s) per block, items ${ITEMS.join(', ')}`);
    report = await runPanel(server.url);
    if (ITEMS.includes('cold')) {
      let cold;
      try {
        cold = await runCold(server.url);
      } catch (error) {
        cold = { id: 'cold', status: 'failed', reason: error.message.split('\n')[0], reps: 0, rows: [], facts: {}, ms: 0 };
      }
      // The panel measured the in-page variant (a frame, Cache Storage emptied); keep its rows after the real one.
      const inPage = report.items.find((i) => i.id === 'cold');
      if (inPage) {
        cold.rows.push(...inPage.rows.map((r) => ({ ...r, measure: `in-page frame variant: ${r.measure}` })));
        if (inPage.status !== 'ok') cold.rows.push({ measure: 'in-page frame variant', note: `${inPage.status}: ${inPage.reason ?? ''}` });
        cold.facts['in-page frame variant'] = `the panel's own cold-start item, ${inPage.reps} repetition(s): ${inPage.facts['first visit'] ?? ''}`;
        report.items = report.items.filter((i) => i !== inPage);
      }
      report.items.push(cold);
      report.items.sort((a, b) => core.ITEM_IDS.indexOf(a.id) - core.ITEM_IDS.indexOf(b.id));
    }
  } finally {
    await server.stop();
  }
  report.mode = SMOKE ? 'smoke' : 'full';
  report.machine = { ...report.machine, ...hostFacts(), loadAverage: { start: loadAtStart, end: os.loadavg()[0] } };
  report.ms = Date.now() - started;

  for (const item of report.items) {
    log(`${item.id}: ${item.status}${item.reason ? ` (${item.reason})` : ''}`);
    for (const r of item.rows) {
      if (r.ratio) log(`  ${r.measure}: ${core.fmtRatioOf(r.ratio)} — ${r.ratio.definition}`);
      else if (r.note && !r.a) log(`  ${r.measure}: ${r.note}`);
    }
  }
  const c = core.counts(report);
  if (SMOKE || opts.dryRun) {
    const out = path.join(ROOT, 'test-results', 'bench', SMOKE ? 'smoke.json' : 'dry-run.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
    log(`wrote ${path.relative(ROOT, out)} in ${Math.round(report.ms / 1000)} s`);
    console.log(`bench ${SMOKE ? 'smoke' : 'dry run'}: ${c.ok} items ok, ${c.skipped} skipped${c.failed ? `, ${c.failed} FAILED` : ''}`);
  } else {
    const dir = path.join(ROOT, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    // A run of some items (--items) is saved under its own name and leaves BENCHMARKS.md, the full run's record, alone.
    const partial = opts.items !== undefined;
    const out = path.join(dir, `${localDate(new Date(started))}${partial ? `-${opts.items.join('+')}` : ''}.json`);
    fs.writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
    if (!partial) writeMarkdown(report);
    log(`wrote ${path.relative(ROOT, out)}${partial ? '' : ' and BENCHMARKS.md'} in ${Math.round(report.ms / 1000)} s`);
    console.log(`bench: ${c.ok} items ok, ${c.skipped} skipped, ${c.failed} failed`);
  }
  return c.failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[bench] ${error.stack || error}`);
    process.exit(1);
  },
);
