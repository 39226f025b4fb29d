// PyTorch vs ONNX Runtime (onnxruntime-web, WASM, 1 thread) parity for the exported chest-CT model.
// Usage: node training/ct/parity.mjs <dir> [tolerance]
// <dir> holds model.onnx and parity.json written by training/ct/export.py: each case names a float32 input file
// and the PyTorch outputs (raw little-endian float32). Prints the max abs diff per output and case; exits 1 when
// any exceeds the tolerance (default 2e-3), an output is missing, has the wrong shape, or holds NaN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

const [dir, tolArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node training/ct/parity.mjs <dir> [tolerance]');
  process.exit(2);
}
const tolerance = tolArg ? Number(tolArg) : 2e-3;
ort.env.wasm.numThreads = 1;

const readF32 = (file) => {
  const b = readFileSync(join(dir, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

const spec = JSON.parse(readFileSync(join(dir, 'parity.json'), 'utf8'));
const session = await ort.InferenceSession.create(readFileSync(join(dir, spec.model ?? 'model.onnx')), {
  executionProviders: ['wasm'],
});
let worst = 0;
let failed = false;
const perOutput = {};
for (const c of spec.cases) {
  const feeds = { [c.input.name]: new ort.Tensor('float32', readF32(c.input.file), c.input.dims) };
  const t0 = performance.now();
  const results = await session.run(feeds);
  const ms = performance.now() - t0;
  for (const [name, ref] of Object.entries(c.outputs)) {
    const got = results[name];
    if (!got || got.dims.join('x') !== ref.dims.join('x')) {
      console.error(`${c.name}/${name}: expected dims ${ref.dims}, got ${got ? got.dims : 'nothing'}`);
      failed = true;
      continue;
    }
    const want = readF32(ref.file);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(want[i] - got.data[i]);
      if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? NaN : d;
      if (Number.isNaN(maxDiff)) break;
    }
    if (Number.isNaN(maxDiff)) failed = true;
    worst = Number.isNaN(maxDiff) ? NaN : Math.max(worst, maxDiff);
    perOutput[name] = Math.max(perOutput[name] ?? 0, maxDiff);
    console.log(`${c.name.padEnd(8)} ${name.padEnd(7)} [${ref.dims}] max abs diff ${maxDiff.toExponential(3)} (${ms.toFixed(0)} ms)`);
    if (!(maxDiff <= tolerance)) failed = true;
  }
}
for (const [name, d] of Object.entries(perOutput)) console.log(`max abs diff ${d.toExponential(3)} per output ${name}`);
console.log(`parity: max abs diff ${Number.isNaN(worst) ? 'NaN' : worst.toExponential(3)}, tolerance ${tolerance}: ${failed ? 'FAIL' : 'OK'}`);
process.exit(failed ? 1 : 0);
