// The benchmark report: its JSON schema (what the panel exports and `npm run bench` saves), what each item
// measures, and its Markdown rendering for BENCHMARKS.md. Pure.
import { fmtPercent, fmtRatio, fmtSpread, markdownTable } from './format';
import { perRepRatios, spread, type Spread } from './stats';

export const ITEM_IDS = ['faces-mediapipe', 'faces-overhead', 'faces-memory', 'mri', 'ct', 'chat', 'threads', 'webgpu', 'cold', 'flops', 'native'] as const;
export type ItemId = (typeof ITEM_IDS)[number];

export function isItemId(v: unknown): v is ItemId {
  return typeof v === 'string' && (ITEM_IDS as readonly string[]).includes(v);
}

export interface ItemInfo {
  title: string;
  /** What is measured and how to read the numbers (shown in the panel and in BENCHMARKS.md). */
  meaning: string;
}

export const ITEMS: Record<ItemId, ItemInfo> = {
  'faces-mediapipe': {
    title: 'Faces: Loupe vs MediaPipe',
    meaning:
      'Per video frame, our live path (main thread → face worker: frame transfer, the letterbox drawn scaled on a 128² canvas and read back, BlazeFace short-range 128² on onnxruntime-web WASM with 1 thread, ' +
      'anchor decoding and weighted NMS, result back to the main thread) against Google’s @mediapipe/face_detection (the same short-range network as TFLite, ' +
      '`useCpuInference: true`, i.e. TFLite + XNNPACK in its own WASM; its whole `send()` on the main thread, which is how that API works — it runs only here, as a peer). ' +
      'Both get the same frames, one frame in flight, alternating frame by frame (A then B on one frame, B then A on the next). Ratio = ours ÷ MediaPipe per repetition (median per-frame time of each side in that repetition): below 1 means ours is faster (for frames/s: above 1). ' +
      'Agreement = mean IoU of faces matched one-to-one (IoU ≥ 0.5) between the two, ours kept at score ≥ 0.5 (MediaPipe’s default threshold).',
  },
  'faces-overhead': {
    title: 'Faces: our pipeline vs bare session.run',
    meaning:
      'The same frames through our face worker (everything in the row above) against a bare onnxruntime-web `session.run` on the same 128² input tensor in another worker (timed inside it: no hop, no pre/post-processing), alternating frame by frame. ' +
      'Overhead = (ours ÷ bare − 1) per repetition: the price of pre/post-processing, the worker hop and our session wrapper. The stage rows split our time as the worker reports it.',
  },
  'faces-memory': {
    title: 'Faces: worker memory over a long webcam run',
    meaning:
      'Our face worker (WASM, 1 thread, BlazeFace short-range) runs the live path on 10,000 video frames, one in flight, as the webcam loop does (a quick run: 300). ' +
      'Its memory (`performance.measureUserAgentSpecificMemory()`, the bytes attributed to the face worker: JS heap and the WASM memory of ONNX Runtime) is measured after the first tenth of the frames and at the end. ' +
      'The target: the end within 10 % of the first measurement, i.e. no leak per frame.',
  },
  mri: {
    title: 'Cardiac MRI: volume latency',
    meaning:
      'One synthetic 10-slice 256×256 short-axis frame (NIfTI bytes) through the app’s path: read the NIfTI → MRI worker (find the heart with one model run on the 3 middle slices, then per slice resample + crop + z-score, DF-Net on up to 4 slices per run, labels back on the source grid) → measures. ' +
      'Bare = `session.run` on the same 10 preprocessed slices, one slice per run, in another worker. Overhead = (ours ÷ bare − 1) per repetition; the last row scales the bare time to our number of inferences, leaving the cost of pre/post-processing alone.',
  },
  ct: {
    title: 'Chest CT: volume latency',
    meaning:
      'One synthetic chest CT volume in HU, 16 slices of 128×128 (the model’s own input size), through the app’s path: the volume sent to the CT worker as the CT view sends it → ' +
      'sampling (one distinct 16-slice sampling at this depth) + HU clip and normalisation + resize → UCADI 3D DenseNet → softmax, class activation maps mapped back onto the volume → result back to the main thread. ' +
      'Bare = `session.run` of the same model on the same input tensor (built by the CT pipeline’s own preprocessing) in another worker, alternating volume by volume. ' +
      'Overhead = (ours ÷ bare − 1) per repetition; samplings/s = model inputs per second on each side. Skipped while the model is not served.',
  },
  chat: {
    title: 'Chat: Loupe vs Transformers.js',
    meaning:
      'The default shipped chat model (its ONNX folder under models/chat/) answering the same prompt through our chat worker (as the Chat view uses it: chat template, prefill, one token a step with the KV cache kept in ONNX Runtime, text streamed to the page, batched per frame) ' +
      'and through Hugging Face Transformers.js (`@huggingface/transformers`, the same files, local only, `device: \'wasm\'`, `dtype: \'fp32\'`, its own onnxruntime-web build, in its own worker). ' +
      'Both get the same prompt token ids, decode greedily (no repetition penalty, the same end-of-sequence ids, the same token limit) on WASM with 1 thread, one answer each, alternating. ' +
      'Times are on the page’s clock, from the request to each token’s report (Transformers.js: its TextStreamer token callback). Ratio = ours ÷ Transformers.js per repetition: below 1 is faster for times, above 1 for tokens/s. ' +
      'The token row says whether both generated the same ids. Memory: `performance.measureUserAgentSpecificMemory()` per worker after the answers where the browser has it (a peak is not observable from a page: n/a).',
  },
  threads: {
    title: 'WASM threads: 2 vs 1',
    meaning:
      'Each model through our pipeline in a worker whose runtime has 1 thread and in one with 2 threads (what `?threads=2` selects; needs the cross-origin isolated page), alternating frame by frame (faces), volume by volume (MRI, CT) or answer by answer (chat: the default chat model’s greedy answer, as in the chat item). ' +
      'Ratio = time with 2 threads ÷ time with 1: below 1 means 2 threads help; for chat decode tokens/s, 2 threads ÷ 1 thread: above 1 means they help. The 1024³ MatMul row is the runtime alone on a large GEMM.',
  },
  webgpu: {
    title: 'WebGPU vs WASM',
    meaning:
      'The same frame through our pipeline on the WebGPU execution provider and on WASM (and an MRI slice, the CT volume, and the default chat model’s greedy answer through their workers). On a software adapter (SwiftShader, llvmpipe) only correctness is checked: boxes, labels and CT probabilities must agree, the generated chat tokens must be identical (else the first differing token is named); times would measure the CPU emulating a GPU, so they are not reported. Where the WebGPU provider cannot run a model, the row says that the worker fell back to WASM, as the studio does (the CT DenseNet did until its 3D average pools were exported as Conv nodes). ' +
      'On a hardware adapter, ratio = WebGPU time ÷ WASM time per repetition.',
  },
  cold: {
    title: 'Cold start',
    meaning:
      'Time from navigation start to the first result on screen in the app (faces: a photo opened through the same action as a drop; MRI: a NIfTI volume; CT: a 16×128×128 HU volume classified as the CT view does; chat: the default chat model loaded as the Chat view loads it, one question sent as the composer sends it, until the first answer text is in the store), first visit vs a later visit. ' +
      'With `npm run bench` the first visit is a fresh browser profile (nothing cached) and the later one a reload in that profile (the ORT WASM runtime and models come from Cache Storage). ' +
      'In the panel the first visit is simulated in a frame after emptying Loupe’s Cache Storage (the browser’s HTTP cache may still help). Ratio = later ÷ first.',
  },
  flops: {
    title: 'Compute bound: achieved GFLOP/s vs the machine’s peak',
    meaning:
      'FLOPs per inference counted from each ONNX graph (bench/flops.py: 2 × multiply-accumulates of Conv, ConvTranspose, MatMul, Gemm; the chat model for one decode step with 127 tokens in the KV cache) divided by the median bare `session.run` time gives the achieved GFLOP/s; ' +
      'the peak is a 1024³ fp32 MatMul (2·1024³ FLOP) in the same runtime with the same thread count, alternated with the model. Fraction = achieved ÷ peak per repetition.',
  },
  native: {
    title: 'Browser vs native: onnxruntime-web WASM ÷ onnxruntime-node',
    meaning:
      'Each shipped model (BlazeFace short- and full-range, the MRI DF-Net on one slice, the CT DenseNet on the 16×128×128 volume, the default chat model for one decode step with 127 cached tokens and for a 32-token prefill) as a bare `session.run`, ' +
      'in this browser’s onnxruntime-web (WASM, 1 thread, the bench worker as in the other items) and in onnxruntime-node on the same machine’s CPU (CPU execution provider, intraOpNumThreads 1, interOpNumThreads 1, sequential execution, all graph optimisations: the same work on one core), ' +
      'on the very same input tensors (built once in the page by the pipelines’ own preprocessing and copied to Node byte for byte), model by model, alternating which runtime goes first. ' +
      'Each side times its own runs; the per-repetition value is the median of its runs. Ratio = browser ÷ native per repetition: how many times longer the same inference takes in the browser. ' +
      'The note compares the two runtimes’ outputs. Runs only under `npm run bench` (Node drives the browser and hosts onnxruntime-node); a panel opened by hand offers it disabled.',
  },
};

export interface Measure {
  /** Which side, e.g. "ours", "MediaPipe", "1 thread". */
  label: string;
  unit: string;
  value: Spread;
}

export interface Ratio {
  /** e.g. "ours ÷ MediaPipe (time per frame)". */
  definition: string;
  /** "×" for a plain ratio, "%" for an overhead (ratio − 1) · 100. */
  kind: '×' | '%';
  value: Spread;
  /** The per-repetition values the spread summarises. */
  perRep: number[];
}

/** a ÷ b per repetition, summarised. */
export function ratio(definition: string, a: readonly number[], b: readonly number[]): Ratio {
  const perRep = perRepRatios(a, b);
  return { definition, kind: '×', value: spread(perRep), perRep };
}

/** (ours ÷ bare − 1) · 100 per repetition, summarised. */
export function overhead(definition: string, ours: readonly number[], bare: readonly number[]): Ratio {
  const perRep = perRepRatios(ours, bare).map((r) => (r - 1) * 100);
  return { definition, kind: '%', value: spread(perRep), perRep };
}

export interface Row {
  measure: string;
  a?: Measure;
  b?: Measure;
  ratio?: Ratio;
  /** Plain text, e.g. "software adapter, not timed". */
  note?: string;
}

export type ItemStatus = 'ok' | 'skipped' | 'failed';

export interface ItemResult {
  id: ItemId;
  status: ItemStatus;
  /** Why it was skipped or failed. */
  reason?: string;
  /** Repetitions actually run. */
  reps: number;
  rows: Row[];
  /** Builds, adapters, model ids… */
  facts: Record<string, string | number | boolean>;
  /** Wall time of the item, ms. */
  ms: number;
}

export interface Machine {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** Filled by `npm run bench` (the page cannot see them). */
  cpuModel?: string;
  cpus?: number;
  memoryGiB?: number;
  os?: string;
  browser?: string;
  webgpuAdapter?: string;
  /** 1-minute load average at the start and end of the run (other jobs sharing the cores), from `npm run bench`. */
  loadAverage?: { start: number; end: number };
}

export interface BenchReport {
  schema: 1;
  /** ISO 8601 time the run started. */
  date: string;
  mode: 'panel' | 'full' | 'smoke';
  settings: { reps: number; frames: number; quick?: boolean; items: ItemId[] };
  machine: Machine;
  versions: Record<string, string>;
  items: ItemResult[];
  /** Wall time of the whole run, ms. */
  ms: number;
}

export function counts(report: Pick<BenchReport, 'items'>): Record<ItemStatus, number> {
  const c: Record<ItemStatus, number> = { ok: 0, skipped: 0, failed: 0 };
  for (const item of report.items) c[item.status]++;
  return c;
}

export function fmtRatioOf(r: Ratio): string {
  return r.kind === '%' ? fmtPercent(r.value) : fmtRatio(r.value);
}

export function fmtMeasure(m: Measure | undefined): string {
  return m ? `${m.label}: ${fmtSpread(m.value, m.unit)}` : '';
}

/** Table rows of one item: measure | A | B | ratio | ratio is. */
export function itemTableRows(item: ItemResult): string[][] {
  return item.rows.map((r) => [r.measure, fmtMeasure(r.a), fmtMeasure(r.b), [r.ratio ? fmtRatioOf(r.ratio) : '', r.note ?? ''].filter(Boolean).join('; '), r.ratio?.definition ?? '']);
}

const TABLE_HEADER = ['Measure', 'A (median [min–max])', 'B (median [min–max])', 'Ratio or result', 'Ratio is'];

function machineLine(m: Machine): string {
  const parts = [
    m.cpuModel ? `${m.cpuModel}` : undefined,
    `${m.cpus ?? m.hardwareConcurrency} logical cores (navigator.hardwareConcurrency ${m.hardwareConcurrency})`,
    m.memoryGiB ? `${m.memoryGiB} GiB RAM` : undefined,
    m.os,
  ].filter(Boolean);
  return parts.join(', ');
}

/** The generated part of BENCHMARKS.md: run facts, then one table per item (a skipped item says why). */
export function markdownReport(report: BenchReport): string {
  const out: string[] = [];
  const c = counts(report);
  out.push(`Run of ${report.date.slice(0, 10)} (${report.date}), mode \`${report.mode}\`, ${report.settings.reps} repetitions, ${report.settings.frames} frames per repetition (faces); ` +
    `${c.ok} items measured, ${c.skipped} skipped, ${c.failed} failed; ${Math.round(report.ms / 1000)} s in all.`);
  out.push('');
  out.push(`- Machine: ${machineLine(report.machine)}; cross-origin isolated: ${report.machine.crossOriginIsolated ? 'yes' : 'no'}`);
  if (report.machine.browser) out.push(`- Browser: ${report.machine.browser}, headless`);
  out.push(`- User agent: \`${report.machine.userAgent}\``);
  for (const [k, v] of Object.entries(report.versions)) out.push(`- ${k}: ${v}`);
  if (report.machine.webgpuAdapter) out.push(`- WebGPU adapter: ${report.machine.webgpuAdapter}`);
  const load = report.machine.loadAverage;
  if (load) out.push(`- Load average (1 min): ${load.start.toFixed(1)} at the start, ${load.end.toFixed(1)} at the end, on ${report.machine.cpus ?? report.machine.hardwareConcurrency} cores${Math.max(load.start, load.end) > (report.machine.cpus ?? report.machine.hardwareConcurrency) / 2 ? ' — other jobs were running: expect wide ranges' : ''}`);
  out.push('');
  for (const item of report.items) {
    const info = ITEMS[item.id];
    out.push(`### ${info.title}`);
    out.push('');
    out.push(info.meaning);
    out.push('');
    if (item.status !== 'ok') {
      out.push(`**${item.status}**: ${item.reason ?? ''}`);
      out.push('');
      if (item.rows.length === 0) continue;
    }
    out.push(markdownTable(TABLE_HEADER, itemTableRows(item)));
    const facts = Object.entries(item.facts);
    if (facts.length) {
      out.push('');
      out.push(facts.map(([k, v]) => `${k}: ${v}`).join('; ') + `; ${item.reps} repetition${item.reps === 1 ? '' : 's'}, ${Math.round(item.ms / 1000)} s.`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export const MARK_BEGIN = '<!-- bench:begin (generated by `npm run bench` from bench/results; edits here are overwritten) -->';
export const MARK_END = '<!-- bench:end -->';

/** Replaces the text between the markers (inclusive) with `generated`; appends the block when the markers are absent. */
export function spliceGenerated(document: string, generated: string): string {
  const block = `${MARK_BEGIN}\n${generated.trim()}\n${MARK_END}`;
  const start = document.indexOf(MARK_BEGIN);
  const end = document.indexOf(MARK_END);
  if (start >= 0 && end > start) return document.slice(0, start) + block + document.slice(end + MARK_END.length);
  return `${document.trimEnd()}\n\n${block}\n`;
}
