// The Benchmark panel's own small store (not a slice of the app's: nothing else reads it).
import { create } from 'zustand';
import { ITEM_IDS, type BenchReport, type ItemId, type ItemStatus } from './core/report';
import type { ColdResult } from './cold';
import { NATIVE_HOOK } from './core/native';
import { PEER_ITEMS, PEERS_BUILT } from './peers/load';

export type ItemProgress = { status: 'waiting' | 'running' | ItemStatus; line: string };

export interface BenchState {
  status: 'idle' | 'running' | 'done' | 'error';
  reps: number;
  frames: number;
  quick: boolean;
  selected: Record<ItemId, boolean>;
  progress: Partial<Record<ItemId, ItemProgress>>;
  report?: BenchReport;
  error?: string;
  /** The cold-start probe of a `?bench=cold-…` page. */
  cold?: { status: 'running' | 'done' | 'error'; result?: ColdResult };
}

/** Whether `npm run bench` drives this page: it exposes the native runtime (the native item runs only then). */
export const NATIVE_HOOKED = typeof (globalThis as Record<string, unknown>)[NATIVE_HOOK] === 'function';

/** Why an item cannot run here (the panel disables it), or undefined. */
export function unavailableItem(id: ItemId): string | undefined {
  if (!PEERS_BUILT && PEER_ITEMS.includes(id)) return 'Needs the benchmark build: npm run bench, or LOUPE_BENCH=1 npm start';
  if (id === 'native' && !NATIVE_HOOKED) return 'Needs npm run bench: onnxruntime-node runs in Node beside the browser';
  return undefined;
}

export const DEFAULT_REPS = 7;
export const DEFAULT_FRAMES = 10;

export const useBench = create<BenchState>()(() => ({
  status: 'idle',
  reps: DEFAULT_REPS,
  frames: DEFAULT_FRAMES,
  quick: false,
  // Every item that can run here: not the peer comparisons where this build leaves the peers out (peers/load.ts), not
  // the native comparison outside `npm run bench`.
  selected: Object.fromEntries(ITEM_IDS.map((id) => [id, !unavailableItem(id)])) as Record<ItemId, boolean>,
  progress: {},
}));

export function patchProgress(id: ItemId, p: ItemProgress): void {
  useBench.setState((s) => ({ progress: { ...s.progress, [id]: p } }));
}
