// A chat model folder (shipped or dropped by the user), checked before anything is loaded (pure): which files are
// there, which the ONNX graph still needs (external weights), and whether it can fit in this browser's memory.
import { LoupeError } from '../../../errors';

export interface ModelFolder {
  config: string;
  tokenizer: string;
  tokenizerConfig: string;
  generationConfig?: string;
  /** The ONNX graph chosen (model.onnx when there are several). */
  onnx: string;
  /** Every other .onnx in the folder (quantised variants…), not loaded. */
  otherOnnx: string[];
}

const base = (name: string) => name.split('/').pop() ?? name;

/** Finds the files of a model folder by name (paths may include the folder), naming any that are missing. */
export function planModelFolder(names: readonly string[]): ModelFolder {
  const find = (file: string) => names.filter((n) => base(n) === file).sort((a, b) => a.split('/').length - b.split('/').length)[0];
  const onnx = names.filter((n) => /\.onnx$/i.test(n)).sort((a, b) => (base(a) === 'model.onnx' ? -1 : base(b) === 'model.onnx' ? 1 : a.localeCompare(b)));
  const config = find('config.json');
  const tokenizer = find('tokenizer.json');
  const tokenizerConfig = find('tokenizer_config.json');
  const missing = [!config && 'config.json', !tokenizer && 'tokenizer.json', !tokenizerConfig && 'tokenizer_config.json', onnx.length === 0 && 'an .onnx model'].filter(Boolean);
  if (missing.length) {
    throw new LoupeError('MODEL_FETCH_FAILED', `the model folder has no ${missing.join(', ')}; Loupe needs config.json, tokenizer.json, tokenizer_config.json and a decoder-with-past .onnx (with its .onnx_data if it has one)`);
  }
  return { config: config!, tokenizer: tokenizer!, tokenizerConfig: tokenizerConfig!, generationConfig: find('generation_config.json'), onnx: onnx[0], otherOnnx: onnx.slice(1) };
}

// An ONNX TensorProto stored outside the graph carries StringStringEntryProto { key: "location", value: <file> }:
// bytes 0x0a 0x08 "location" 0x12 <varint length> <file name>.
const LOCATION = [0x0a, 0x08, ...Array.from('location', (c) => c.charCodeAt(0)), 0x12];

/** The external data files an ONNX graph refers to (e.g. `model.onnx_data`), read from its protobuf bytes. */
export function externalDataFiles(onnx: Uint8Array): string[] {
  const found = new Set<string>();
  const first = LOCATION[0];
  outer: for (let i = onnx.indexOf(first); i >= 0 && i < onnx.length - LOCATION.length; i = onnx.indexOf(first, i + 1)) {
    for (let k = 1; k < LOCATION.length; k++) if (onnx[i + k] !== LOCATION[k]) continue outer;
    let p = i + LOCATION.length;
    let length = 0;
    for (let shift = 0; p < onnx.length && shift < 28; shift += 7) {
      const b = onnx[p++];
      length |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    if (length > 0 && length < 1024 && p + length <= onnx.length) found.add(new TextDecoder().decode(onnx.subarray(p, p + length)));
  }
  return [...found];
}

/** The names of the external data files the graph needs that are not in the folder. */
export function missingExternalData(needed: readonly string[], names: readonly string[]): string[] {
  const present = new Set(names.map(base));
  return needed.filter((n) => !present.has(base(n)));
}

export interface MemoryLimits {
  ep: 'webgpu' | 'wasm';
  /** performance.memory.jsHeapSizeLimit (Chromium), bytes. */
  jsHeapLimitBytes?: number;
  /** navigator.deviceMemory (GiB, rounded and capped by the browser). */
  deviceMemoryGiB?: number;
}

/** WASM is 32-bit: 4 GiB of memory for the weights (copied in), the KV cache and the working buffers. */
export const WASM_MODEL_LIMIT_BYTES = 2 * 1024 ** 3;

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;

/** Why a model of `bytes` (graph + external weights) cannot run here, or undefined when it may. */
export function whyTooLarge(bytes: number, limits: MemoryLimits): string | undefined {
  if (limits.ep === 'wasm' && bytes > WASM_MODEL_LIMIT_BYTES) return `the model is ${gb(bytes)}; the WASM backend (32-bit, 4 GiB of memory) runs models up to about ${gb(WASM_MODEL_LIMIT_BYTES)}. Use WebGPU or a smaller (quantised) export.`;
  if (limits.jsHeapLimitBytes && bytes > 0.9 * limits.jsHeapLimitBytes) return `the model is ${gb(bytes)}; this tab's JavaScript memory limit is ${gb(limits.jsHeapLimitBytes)}.`;
  if (limits.deviceMemoryGiB && bytes > (limits.deviceMemoryGiB * 1024 ** 3) / 2) return `the model is ${gb(bytes)}, more than half of this device's memory (about ${limits.deviceMemoryGiB} GB reported by the browser).`;
  return undefined;
}
