// The Benchmark panel's own small store (not a slice of the app's: nothing else reads it).
import { create } from 'zustand';
import { ITEM_IDS, type BenchReport, type ItemId, type ItemStatus } from './core/report';
import type { ColdResult } from './cold';
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

export const DEFAULT_REPS = 7;
export const DEFAULT_FRAMES = 10;

export const useBench = create<BenchState>()(() => ({
  status: 'idle',
  reps: DEFAULT_REPS,
  frames: DEFAULT_FRAMES,
  quick: false,
  // Every item, less the peer comparisons where this build leaves the peers out (peers/load.ts).
  selected: Object.fromEntries(ITEM_IDS.map((id) => [id, PEERS_BUILT || !PEER_ITEMS.includes(id)])) as Record<ItemId, boolean>,
  progress: {},
}));

export function patchProgress(id: ItemId, p: ItemProgress): void {
  useBench.setState((s) => ({ progress: { ...s.progress, [id]: p } }));
}
