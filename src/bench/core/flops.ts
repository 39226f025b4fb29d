// FLOP counts per inference (src/bench/flops.json, written by bench/flops.py) and achieved-vs-peak arithmetic. Pure.

export interface LayerFlops {
  name: string;
  op: string;
  macFlops: number;
  input: number[];
  output: number[];
  kernel?: number[];
  strides?: number[];
  group?: number;
}

export interface ModelFlops {
  sha256: string;
  input: { name: string; shape: number[] };
  opset: number;
  /** 2 × multiply-accumulates of Conv, ConvTranspose, MatMul, Gemm. */
  macFlops: number;
  elementwiseFlops: number;
  byOp: Record<string, { nodes: number; macFlops: number; elementwiseFlops: number }>;
  notCounted: Record<string, number>;
  layers: LayerFlops[];
  /** Language models: the sizes the count is for (one decode step: batch 1, 1 token, a fixed past length). */
  binding?: Record<string, number>;
  /** Language models: every input's shape and type under `binding` (`fill`: the value of an int64 input). */
  inputs?: Record<string, CountedInput>;
}

export interface CountedInput {
  shape: number[];
  dtype: 'int64' | 'float32';
  fill?: number;
}

export interface FlopCounts {
  generatedBy: string;
  rules: Record<string, string>;
  /** Keyed "task/id", e.g. "face/blazeface-short". */
  models: Record<string, ModelFlops>;
  /** Models on disk that were not counted, with the reason (e.g. a language model's symbolic sequence length). */
  uncountedModels?: Record<string, string>;
}

export function parseFlopCounts(text: string): FlopCounts {
  const doc = JSON.parse(text) as FlopCounts;
  if (!doc || typeof doc.models !== 'object') throw new Error('flops.json: no "models"');
  for (const [key, m] of Object.entries(doc.models)) {
    if (!(m.macFlops > 0) || !Array.isArray(m.layers)) throw new Error(`flops.json: ${key} has no FLOP count`);
  }
  return doc;
}

/** The FLOPs of a 2D convolution: 2 · N·Cout·Hout·Wout · (Cin / group) · kH·kW (bias excluded). */
export function convFlops(input: number[], output: number[], kernel: number[], group = 1): number {
  const [, cin] = input;
  return 2 * output.reduce((a, b) => a * b, 1) * (cin / group) * kernel.reduce((a, b) => a * b, 1);
}

/** GFLOP/s from FLOPs per run and ms per run. */
export function gflopsPerSecond(flops: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`gflopsPerSecond: ${ms} ms`);
  return flops / ms / 1e6;
}
