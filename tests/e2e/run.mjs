#!/usr/bin/env node
// Loupe end-to-end runner: builds the app once, serves it with `vite preview` on :4173 (COOP/COEP from
// vite.config.ts), runs tests/e2e/*.test.mjs with node:test one file at a time, then stops the server (also on
// failure, Ctrl-C or SIGTERM).
//
//   npm run test:e2e
//   node tests/e2e/run.mjs [test files...] [node --test options, e.g. --test-name-pattern=WebGPU]
//
// Env: E2E_SKIP_BUILD=1 reuses the last build; E2E_OUT_DIR (default dist) build/serve directory; E2E_PORT (default
// 4173); E2E_CHROMIUM (default /usr/bin/chromium); E2E_WEBGPU_ARGS (space-separated
// flags replacing --enable-unsafe-webgpu). Failure artifacts (screenshot, HTML, console, requests) go to
// test-results/e2e/.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, PORT, OUT_DIR, ARTIFACTS, ensureWebcam, build, startServer } from './lib.mjs';

const here = path.join(ROOT, 'tests', 'e2e');
const argv = process.argv.slice(2);
const fileArgs = argv.filter((a) => !a.startsWith('-') && a.endsWith('.mjs'));
const nodeArgs = argv.filter((a) => !fileArgs.includes(a));
const files = fileArgs.length
  ? fileArgs.map((f) => path.resolve(f))
  : fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join(here, f));

let server = null;
let tests = null;
let stopping = false;

/** SIGTERM the test process group (node --test and its per-file children; Playwright closes Chromium on SIGTERM). */
async function stopTests() {
  if (!tests || tests.exitCode !== null || tests.signalCode !== null) return;
  const gone = new Promise((r) => tests.once('exit', r));
  const kill = (sig) => { try { process.kill(-tests.pid, sig); } catch { /* gone */ } };
  kill('SIGTERM');
  const t = setTimeout(() => kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await stopTests().catch(() => {});
  if (server) await server.stop().catch(() => {});
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\n[e2e] ${sig}: stopping`);
    shutdown(130);
  });
}

try {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true }); // failure artifacts of the previous run
  ensureWebcam();
  if (process.env.E2E_SKIP_BUILD === '1') {
    if (!fs.existsSync(path.resolve(ROOT, OUT_DIR, 'index.html'))) throw new Error(`E2E_SKIP_BUILD=1 but ${OUT_DIR}/index.html does not exist`);
    console.error(`[e2e] E2E_SKIP_BUILD=1: using the existing ${OUT_DIR}/`);
  } else {
    console.error(`[e2e] npx vite build${OUT_DIR === 'dist' ? '' : ` --outDir ${OUT_DIR}`}`);
    build();
  }
  server = await startServer({ port: PORT });

  const code = await new Promise((resolve) => {
    tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...nodeArgs, ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      detached: true, // own process group, so an interrupted run can stop every test process
      env: { ...process.env, E2E_BASE_URL: server.url },
    });
    tests.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
    tests.on('error', (e) => { console.error(e); resolve(1); });
  });
  await shutdown(code);
} catch (err) {
  console.error(`[e2e] ${err.stack || err}`);
  await shutdown(1);
}
