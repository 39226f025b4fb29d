/// <reference types="vitest/config" />
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets ONNX Runtime use SharedArrayBuffer, hence multi-threaded WASM.
// Production hosts must send the same two headers (see README).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Privacy, enforced by the browser: the production build may load and contact nothing outside its own origin. WASM
// needs 'wasm-unsafe-eval'; ONNX Runtime's thread workers start from blob: URLs; only the same origin may frame it
// (the Benchmark panel's cold-start probe does). Hosts send the same (see README). `npm run bench` alone adds
// 'unsafe-eval' to its own build, for the MediaPipe peer's loader.
// LOUPE_BENCH=1 (set by `npm run bench`) also makes the build include the benchmark's peer runtimes, ~40 MB that the
// default build leaves out (src/bench/peers/load.ts); the dev server always serves them.
const benchPeers = process.env.LOUPE_BENCH === '1';
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval'${benchPeers ? " 'unsafe-eval'" : ''}`,
  "worker-src 'self' blob:",
  "connect-src 'self' data: blob:",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');
const production = { ...isolation, 'Content-Security-Policy': CONTENT_SECURITY_POLICY };

// The Benchmark panel's peer, Google's MediaPipe face detector, loads its script, graph, model and WASM with
// locateFile from /mediapipe/face_detection/ on our own origin (dev: served from node_modules; a LOUPE_BENCH=1
// build: copied; the default build: absent).
const MEDIAPIPE_DIR = fileURLToPath(new URL('node_modules/@mediapipe/face_detection/', import.meta.url));
const MEDIAPIPE_FILES = [
  'face_detection.js',
  'face_detection_short.binarypb',
  'face_detection_short_range.tflite',
  'face_detection_solution_simd_wasm_bin.js',
  'face_detection_solution_simd_wasm_bin.wasm',
  'face_detection_solution_simd_wasm_bin.data',
  'face_detection_solution_wasm_bin.js',
  'face_detection_solution_wasm_bin.wasm',
];
const MIME: Record<string, string> = { js: 'text/javascript', wasm: 'application/wasm' };

function mediapipeFiles(): Plugin {
  return {
    name: 'loupe-mediapipe-files',
    configureServer(server) {
      server.middlewares.use('/mediapipe/face_detection/', (req, res, next) => {
        const name = (req.url ?? '').split('?')[0].replace(/^\//, '');
        if (!MEDIAPIPE_FILES.includes(name)) return next();
        res.setHeader('Content-Type', MIME[name.split('.').pop()!] ?? 'application/octet-stream');
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        res.end(readFileSync(MEDIAPIPE_DIR + name));
      });
    },
    generateBundle() {
      if (!benchPeers) return;
      for (const name of MEDIAPIPE_FILES) this.emitFile({ type: 'asset', fileName: `mediapipe/face_detection/${name}`, source: readFileSync(MEDIAPIPE_DIR + name) });
    },
  };
}

/** Files of a build the service worker precaches: the shell and the samples, not WASM runtimes or the benchmark peers. */
const PRECACHE_MAX_BYTES = 2 << 20;

/** Emits sw.js (src/sw/template.js with this build's file list and a version) for the offline app shell. */
function appShellServiceWorker(): Plugin {
  return {
    name: 'loupe-service-worker',
    apply: 'build',
    enforce: 'post',
    // After every other plugin has written its files (the entry chunk and its CSS come late), so the list is complete.
    writeBundle(options, bundle) {
      const files = Object.values(bundle)
        // The peers (LOUPE_BENCH=1 builds only: mediapipe/…, the mediapipe and transformers chunks) and the panel's chunks.
        .filter((f) => !/mediapipe|transformers|bench/i.test(f.fileName))
        .filter((f) => (f.type === 'chunk' ? f.code.length : typeof f.source === 'string' ? f.source.length : f.source.byteLength) <= PRECACHE_MAX_BYTES)
        .map((f) => f.fileName)
        .filter((name) => !name.endsWith('.wasm') && !name.endsWith('.map'));
      const precache = ['index.html', 'manifest.webmanifest', 'icon.svg', ...files.filter((n) => n !== 'index.html')].sort();
      const version = createHash('sha256').update(precache.join('\n')).digest('hex').slice(0, 12);
      const source = readFileSync(fileURLToPath(new URL('src/sw/template.js', import.meta.url)), 'utf8').replace('__VERSION__', JSON.stringify(version)).replace('__PRECACHE__', JSON.stringify(precache));
      writeFileSync(join(options.dir ?? 'dist', 'sw.js'), source);
    },
  };
}

export default defineConfig(({ command }) => ({
  plugins: [react(), mediapipeFiles(), appShellServiceWorker()],
  // Whether src/bench/peers/load.ts may import the peers (false: the bundler drops them and their files).
  define: { __LOUPE_BENCH_PEERS__: JSON.stringify(benchPeers || command === 'serve') },
  // `npm run dev` (hot reload needs inline scripts and a WebSocket, so no CSP there); `npm start` and `npm run
  // preview` serve the production build with the full policy, and the e2e suite runs under it.
  server: { headers: isolation },
  preview: { headers: production },
  worker: { format: 'es' },
  // Pre-bundling onnxruntime-web makes the dev server reload mid-inference.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
  test: {
    include: ['src/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts', 'training/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
}));
