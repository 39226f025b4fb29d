// What the parity scripts share (common/parity.mjs for every task's export, chat/parity.mjs for the KV-cache checks):
// the command line, the runtime every parity number is measured on, and the one output comparison.
import * as ort from 'onnxruntime-web';

/**
 * `node <script> <folder> [tolerance]`: exits 2 with the usage when the folder is missing. Pins onnxruntime-web to
 * WASM on 1 thread, the reference runtime of every parity number.
 */
export function parityArgs(script, defaultTolerance) {
  const [dir, tolArg] = process.argv.slice(2);
  if (!dir) {
    console.error(`usage: node ${script} <folder> [tolerance]`);
    process.exit(2);
  }
  ort.env.wasm.numThreads = 1;
  return { dir, tolerance: tolArg ? Number(tolArg) : defaultTolerance };
}

/**
 * Largest |want[i] − got[i]|. NaN as soon as one difference is NaN (a NaN on either side, or the same infinity on
 * both), and NaN for arrays of different lengths, so that `diff <= tolerance` can never pass them; a finite value
 * against an infinite one gives Infinity, which fails too.
 */
export function maxAbsDiff(want, got) {
  if (want.length !== got.length) return NaN;
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(want[i] - got[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > max) max = d;
  }
  return max;
}

/** `maxAbsDiff` printed: `NaN`, `Infinity` or x.xxxe±y. */
export const formatDiff = (d) => (Number.isFinite(d) ? d.toExponential(3) : String(d));
