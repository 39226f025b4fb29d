// PyTorch vs ONNX Runtime (onnxruntime-web, WASM, 1 thread) parity for an exported model, any task.
// Usage: node training/common/parity.mjs <dir> [tolerance]
// <dir> holds model.onnx and parity.json written by common/export.py `write_parity_files`: each case names a float32
// input file and the PyTorch outputs (raw little-endian float32). Prints the max abs diff per case and output, then
// per output; exits 1 when any exceeds the tolerance (default 1e-3; export.py passes its own), an output is missing,
// has the wrong shape, or holds NaN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { formatDiff, maxAbsDiff, parityArgs } from './parity_lib.mjs';

const { dir, tolerance } = parityArgs('training/common/parity.mjs', 1e-3);

// A copy, not a view: a small file's Buffer can start at an offset that is not a multiple of 4.
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
    const diff = maxAbsDiff(readF32(ref.file), got.data);
    // Math.max propagates NaN, so one NaN output shows in both summaries below.
    worst = Math.max(worst, diff);
    perOutput[name] = Math.max(perOutput[name] ?? 0, diff);
    console.log(`${c.name.padEnd(12)} ${name.padEnd(7)} [${ref.dims}] max abs diff ${formatDiff(diff)} (${ms.toFixed(0)} ms)`);
    if (!(diff <= tolerance)) failed = true;
  }
}
for (const [name, d] of Object.entries(perOutput)) console.log(`max abs diff ${formatDiff(d)} per output ${name}`);
console.log(`parity: max abs diff ${formatDiff(worst)}, tolerance ${tolerance}: ${failed ? 'FAIL' : 'OK'}`);
process.exit(failed ? 1 : 0);
