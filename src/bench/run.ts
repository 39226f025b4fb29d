// Runs the selected benchmark items one after another on this machine and assembles the report.
import { LoupeError } from '../errors';
import { ITEMS, type BenchReport, type ItemId, type ItemResult } from './core/report';
import { machine } from './env';
import { captureFrames, type FrameSet } from './frames';
import type { ItemContext, ItemRunner, OrtBuild, Settings } from './items/context';
import { chatVsTransformers } from './items/chat';
import { coldStartInFrame } from './items/cold';
import { ctVolume } from './items/ct';
import { facesOverhead, facesVsMediaPipe } from './items/faces';
import { computeBound } from './items/flops';
import { facesMemory } from './items/memory';
import { mriVolume } from './items/mri';
import { browserVsNative } from './items/native';
import { threads } from './items/threads';
import { webgpuVsWasm } from './items/webgpu';
import { loadMediaPipePeer } from './peers/load';
import { startBenchWorker, WorkerPool } from './workers';

export const RUNNERS: Record<ItemId, ItemRunner> = {
  'faces-mediapipe': facesVsMediaPipe,
  'faces-overhead': facesOverhead,
  'faces-memory': facesMemory,
  mri: mriVolume,
  ct: ctVolume,
  chat: chatVsTransformers,
  threads,
  webgpu: webgpuVsWasm,
  cold: coldStartInFrame,
  flops: computeBound,
  native: browserVsNative,
};

export interface RunCallbacks {
  onItem(id: ItemId, status: 'running' | ItemResult['status'], line: string): void;
}

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= f();
    p.catch(() => (p = undefined));
    return p;
  };
}

export async function runBench(items: ItemId[], settings: Settings, { onItem }: RunCallbacks, signal: AbortSignal, mode: BenchReport['mode'] = 'panel'): Promise<BenchReport> {
  const started = performance.now();
  const date = new Date().toISOString();
  let framesSource: string | undefined;
  const frames = once<FrameSet>(async () => {
    const f = await captureFrames(Math.max(1, settings.frames));
    framesSource = f.source;
    return f;
  });
  const ort = once<OrtBuild>(async () => {
    const w = await startBenchWorker(1);
    w.terminate();
    return { versions: w.ortVersions, wasmFile: w.wasmFile };
  });
  const results: ItemResult[] = [];
  for (const id of items) {
    if (signal.aborted) break;
    const pool = new WorkerPool();
    const t = performance.now();
    onItem(id, 'running', 'starting');
    const ctx: ItemContext = { settings, signal, progress: (line) => onItem(id, 'running', line), frames, pool, ort };
    let result: ItemResult;
    try {
      result = { id, ms: 0, ...(await RUNNERS[id](ctx)) };
    } catch (error) {
      if (signal.aborted) break;
      const e = error as Error;
      result = { id, status: 'failed', reason: `${e.name}: ${e.message}`, reps: 0, rows: [], facts: {}, ms: 0 };
    } finally {
      pool.terminateAll();
    }
    result.ms = performance.now() - t;
    results.push(result);
    onItem(id, result.status, result.status === 'ok' ? `done in ${(result.ms / 1000).toFixed(1)} s` : `${result.status}: ${result.reason ?? ''}`);
  }
  if (signal.aborted) throw new LoupeError('ABORTED', 'benchmark stopped');
  const { versions, wasmFile } = await ort();
  const chatPeer = results.find((r) => r.id === 'chat' && r.status === 'ok')?.facts['Transformers.js'];
  // The peers' versions only when they ran: the default build does not include them (peers/load.ts).
  const mediaPipe = results.some((r) => r.id === 'faces-mediapipe' && r.status === 'ok') ? (await loadMediaPipePeer()).MEDIAPIPE_VERSION : undefined;
  return {
    schema: 1,
    date,
    mode,
    settings: { ...settings, items },
    machine: await machine(),
    versions: {
      'onnxruntime-web (ours)': `${versions.web ?? '?'} (${wasmFile})`,
      ...(mediaPipe ? { '@mediapipe/face_detection (peer)': `${mediaPipe} (TFLite + XNNPACK WASM, CPU inference)` } : {}),
      ...(chatPeer ? { '@huggingface/transformers (peer)': String(chatPeer) } : {}),
      ...(framesSource ? { frames: framesSource } : {}),
    },
    items: results,
    ms: performance.now() - started,
  };
}

export { ITEMS };
