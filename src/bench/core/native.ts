// Browser vs native: what crosses between the page and `npm run bench`'s Node side (onnxruntime-node), and the
// pure helpers of that item. No DOM, no onnxruntime: tensors travel as plain typed arrays, bytes as base64 (the
// page reaches Node through a Playwright binding, whose arguments are JSON).
import type { CountedInput } from './flops';
import { fmtNumber } from './format';

/** The function `npm run bench` exposes on the page (scripts/bench-native.ts); absent in a plain browser. */
export const NATIVE_HOOK = '__loupeNative';

/** Why the item does not run in a plain browser (the panel's tooltip and the item's skipped reason). */
export const NATIVE_MISSING = 'runs only under `npm run bench`: onnxruntime-node runs in Node beside the browser, which the page cannot start';

export type PlainDtype = 'float32' | 'int64' | 'int32';

/** A tensor as plain data (what the bench worker hands out; never an `ort.Tensor`). */
export type PlainTensor =
  | { dtype: 'float32'; data: Float32Array; dims: number[] }
  | { dtype: 'int64'; data: BigInt64Array; dims: number[] }
  | { dtype: 'int32'; data: Int32Array; dims: number[] };

/** A tensor on the wire: its bytes (little-endian, as both runtimes hold them) in base64. */
export interface WireTensor {
  dtype: PlainDtype;
  dims: number[];
  base64: string;
}

export type NativeRequest =
  /** onnxruntime-node's versions and session settings; `reason` when it cannot be loaded. */
  | { op: 'init' }
  /** Fetches the model file from `url` (the page's own server), checks its SHA-256, creates the session. */
  | { op: 'load'; key: string; url: string; sha256: string }
  | { op: 'setInputs'; key: string; set: number; feeds: Record<string, WireTensor> }
  /** `runs` bare session.run calls on input set `set`; ms each (Node's clock). */
  | { op: 'time'; key: string; set: number; runs: number }
  /** One run on input set `set`; its float32 outputs. */
  | { op: 'outputs'; key: string; set: number }
  | { op: 'dispose' };

export type NativeInit = { ok: true; versions: Record<string, string>; settings: string } | { ok: false; reason: string };

const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

export function base64ToBytes(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function toWire(t: PlainTensor): WireTensor {
  return { dtype: t.dtype, dims: [...t.dims], base64: bytesToBase64(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)) };
}

export function fromWire(w: WireTensor): PlainTensor {
  const bytes = base64ToBytes(w.base64);
  const buffer = bytes.buffer as ArrayBuffer; // a fresh, aligned buffer of exactly these bytes
  const n = elementCount(w.dims);
  const data = w.dtype === 'float32' ? new Float32Array(buffer) : w.dtype === 'int64' ? new BigInt64Array(buffer) : w.dtype === 'int32' ? new Int32Array(buffer) : undefined;
  if (!data) throw new Error(`native bridge: unsupported dtype ${String(w.dtype)}`);
  if (data.length !== n) throw new Error(`native bridge: ${data.length} ${w.dtype} values for dims [${w.dims.join(', ')}] (${n})`);
  return { dtype: w.dtype, data, dims: [...w.dims] } as PlainTensor;
}

/**
 * A prefill of `tokens` new tokens with an empty KV cache, derived from the decode-step inputs of a FLOP count
 * (src/bench/flops.json: input_ids [1, 1], attention_mask [1, past + 1], position_ids [1, 1],
 * past_key_values.* [1, heads, past, head_dim]): the token inputs get `tokens` columns, the caches 0 rows. Constant
 * fills (the work of a run does not depend on the values); position ids 0.
 */
export function prefillInputs(decode: Record<string, CountedInput>, tokens: number): Record<string, CountedInput> {
  const out: Record<string, CountedInput> = {};
  for (const [name, input] of Object.entries(decode)) {
    const shape = [...input.shape];
    if (name.startsWith('past_key_values.') || name.startsWith('past.')) {
      if (shape.length < 2) throw new Error(`prefillInputs: ${name} has shape [${shape.join(', ')}], expected [batch, heads, past, head_dim]`);
      shape[shape.length - 2] = 0;
      out[name] = { ...input, shape };
    } else if (name === 'input_ids' || name === 'attention_mask' || name === 'position_ids') {
      shape[shape.length - 1] = tokens;
      out[name] = name === 'position_ids' ? { ...input, shape, fill: 0 } : { ...input, shape };
    } else {
      throw new Error(`prefillInputs: no rule for input ${name}`);
    }
  }
  return out;
}

/** Largest |a − b| over outputs present in both (by name) and the largest |a| (for scale); NaN where none compare. */
export function outputAgreement(a: Record<string, PlainTensor>, b: Record<string, PlainTensor>): { maxAbsDiff: number; maxAbs: number; compared: string[] } {
  let maxAbsDiff = 0;
  let maxAbs = 0;
  const compared: string[] = [];
  for (const [name, x] of Object.entries(a)) {
    const y = b[name];
    if (!y || x.dtype !== 'float32' || y.dtype !== 'float32') continue;
    if (x.data.length !== y.data.length || x.dims.join() !== y.dims.join()) throw new Error(`output ${name}: dims [${x.dims.join(', ')}] vs [${y.dims.join(', ')}]`);
    for (let i = 0; i < x.data.length; i++) {
      const [u, v] = [x.data[i], y.data[i]];
      // NaN on both sides agrees; on one side only it is as far apart as it gets.
      if (Number.isNaN(u) || Number.isNaN(v)) {
        if (Number.isNaN(u) !== Number.isNaN(v)) maxAbsDiff = Infinity;
        continue;
      }
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(u - v));
      maxAbs = Math.max(maxAbs, Math.abs(u));
    }
    compared.push(name);
  }
  return compared.length ? { maxAbsDiff, maxAbs, compared } : { maxAbsDiff: NaN, maxAbs: NaN, compared };
}

/** The agreement as a row note: "outputs: max |browser − native| 2.4e-7 (largest |value| 13.1, 4 outputs)". */
export function describeAgreement({ maxAbsDiff, maxAbs, compared }: ReturnType<typeof outputAgreement>): string {
  if (compared.length === 0) return 'outputs: none of float32 on both sides to compare';
  const n = `${compared.length} output${compared.length === 1 ? '' : 's'}`;
  if (maxAbsDiff === Infinity) return `outputs DIFFER: NaN on one side only (${n})`;
  return `outputs: max |browser − native| ${fmtNumber(maxAbsDiff)} (largest |value| ${fmtNumber(maxAbs)}, ${n})`;
}
