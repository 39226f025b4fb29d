// Runs an ONNX model once in onnxruntime-web (WASM, Node) on placeholder inputs and prints the shape of every
// output it was asked for, as JSON {name: dims}. bench/flops.py uses it where ONNX shape inference loses the
// shapes (a language model's Reshape/Slice on computed sizes): the graph it passes lists every intermediate value
// as an output. Inputs: {name: {shape, dtype}}; int64 inputs get 1 (position_ids: the past length), floats 0.
// Usage: node bench/shapes.mjs <model.onnx> <inputs.json>
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

const [modelPath, inputsPath] = process.argv.slice(2);
if (!modelPath || !inputsPath) {
  console.error('usage: node bench/shapes.mjs <model.onnx> <inputs.json>');
  process.exit(2);
}
ort.env.wasm.numThreads = 1;
const spec = JSON.parse(readFileSync(inputsPath, 'utf8'));
const feeds = {};
for (const [name, { shape, dtype, fill }] of Object.entries(spec)) {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'int64') feeds[name] = new ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(fill ?? 1)), shape);
  else if (dtype === 'float32') feeds[name] = new ort.Tensor('float32', new Float32Array(n).fill(fill ?? 0), shape);
  else throw new Error(`input ${name}: dtype ${dtype} is not supported`);
}
const session = await ort.InferenceSession.create(readFileSync(modelPath), { executionProviders: ['wasm'] });
const out = await session.run(feeds);
process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dims]))));
