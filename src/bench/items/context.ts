// What every benchmark item gets, and the helpers they share: interleaved repetitions, our face detector called
// the way the live loop calls it.
import { LoupeError } from '../../errors';
import type { FaceModelId } from '../../tasks/face/core/models';
import type { FaceResult, FaceWorkerApi } from '../../../workers/face.worker';
import type { ItemResult } from '../core/report';
import { abOrder } from '../core/stats';
import type { FrameSet } from '../frames';
import { Comlink, type Started, type WorkerPool } from '../workers';

export interface Settings {
  /** Repetitions: each runs side A and side B once, in alternating order. */
  reps: number;
  /** Frames per block (face items). */
  frames: number;
  /**
   * A quick run (`npm run bench:smoke`): every code path once, with the fewest models and slices (2-slice MRI
   * volume, one face model for threads, no MRI on a software WebGPU adapter). Its numbers are rough.
   */
  quick: boolean;
}

/** Slices of the MRI benchmark volume: 10 (a short-axis stack), 2 in a quick run. */
export function mriSlices(settings: Settings): number {
  return settings.quick ? 2 : 10;
}

export interface ItemContext {
  settings: Settings;
  signal: AbortSignal;
  /** The item's progress line. */
  progress(line: string): void;
  /** The shared video frames (captured once per run). */
  frames(): Promise<FrameSet>;
  pool: WorkerPool;
  /** The ORT build our workers load (asked once of a bench worker). */
  ort(): Promise<OrtBuild>;
}

export interface OrtBuild {
  versions: Record<string, string>;
  wasmFile: string;
}

export function ortBuild({ versions, wasmFile }: OrtBuild, threads: number, ep = 'WASM'): string {
  return `onnxruntime-web ${versions.web ?? '?'} (${wasmFile}), ${ep}${ep === 'WASM' ? `, ${threads} thread${threads === 1 ? '' : 's'}` : ''}`;
}

export type ItemOutcome = Omit<ItemResult, 'id' | 'ms'>;
export type ItemRunner = (ctx: ItemContext) => Promise<ItemOutcome>;

export function skipped(reason: string): ItemOutcome {
  return { status: 'skipped', reason, reps: 0, rows: [], facts: {} };
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new LoupeError('ABORTED', 'benchmark stopped');
}

/** Runs `a(rep)` and `b(rep)` for every repetition, A/B then B/A alternately; returns each side's results by repetition. */
export async function interleaved<A, B>(ctx: ItemContext, label: string, a: (rep: number) => Promise<A>, b: (rep: number) => Promise<B>, reps = ctx.settings.reps): Promise<{ a: A[]; b: B[] }> {
  const out = { a: [] as A[], b: [] as B[] };
  for (let rep = 0; rep < reps; rep++) {
    ctx.progress(`${label}: repetition ${rep + 1} of ${reps}`);
    for (const side of abOrder(rep)) {
      throwIfAborted(ctx.signal);
      if (side === 'a') out.a.push(await a(rep));
      else out.b.push(await b(rep));
    }
  }
  return out;
}

/** The live loop's score floor (tasks/face/actions.ts): the worker reports faces down to 0.3, the UI filters. */
export const LIVE_SCORE_FLOOR = 0.3;

export interface FaceCall {
  /** Main-thread round trip: frame → bitmap → worker → result. */
  ms: number;
  result: FaceResult;
}

/** One frame through our face worker exactly as the live loop sends it (a fresh bitmap, transferred). */
export async function detectOurs(face: Started<FaceWorkerApi>, frame: HTMLCanvasElement, model: FaceModelId): Promise<FaceCall> {
  const t = performance.now();
  const bitmap = await createImageBitmap(frame);
  const result = await face.api.run(Comlink.transfer(bitmap, [bitmap]), { model, scoreThreshold: LIVE_SCORE_FLOOR });
  return { ms: performance.now() - t, result };
}

export interface Block<T> {
  /** Per-call times, ms. */
  ms: number[];
  results: T[];
}

/** Frames per second with one frame in flight: calls ÷ their summed time. */
export function framesPerSecond(b: Block<unknown>): number {
  return (b.ms.length * 1000) / b.ms.reduce((s, v) => s + v, 0);
}

/** Runs `repetition(rep)` for every repetition with a progress line; returns the results by repetition. */
export async function repeat<T>(ctx: ItemContext, label: string, repetition: (rep: number) => Promise<T>, reps = ctx.settings.reps): Promise<T[]> {
  const out: T[] = [];
  for (let rep = 0; rep < reps; rep++) {
    throwIfAborted(ctx.signal);
    ctx.progress(`${label}: repetition ${rep + 1} of ${reps}`);
    out.push(await repetition(rep));
  }
  return out;
}

/**
 * One repetition over the frames, alternating frame by frame: frame i goes to A then B, frame i + 1 to B then A
 * (the starting side alternates between repetitions too). One call in flight; each call timed by its side.
 * Alternating this finely means a burst of load from elsewhere lands on both sides alike.
 */
export async function alternateFrames<A extends { ms: number }, B extends { ms: number }>(
  frames: readonly HTMLCanvasElement[],
  rep: number,
  a: (frame: HTMLCanvasElement) => Promise<A>,
  b: (frame: HTMLCanvasElement) => Promise<B>,
  signal: AbortSignal,
): Promise<{ a: Block<A>; b: Block<B> }> {
  const out = { a: { ms: [] as number[], results: [] as A[] }, b: { ms: [] as number[], results: [] as B[] } };
  for (let i = 0; i < frames.length; i++) {
    for (const side of abOrder(rep + i)) {
      throwIfAborted(signal);
      if (side === 'a') {
        const r = await a(frames[i]);
        out.a.ms.push(r.ms);
        out.a.results.push(r);
      } else {
        const r = await b(frames[i]);
        out.b.ms.push(r.ms);
        out.b.results.push(r);
      }
    }
  }
  return out;
}
