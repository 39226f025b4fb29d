import type { StateCreator } from 'zustand';
import { isProviderPreference, type BackendInfo, type ProviderPreference } from '../runtime/backend';
import type { LoadProgress } from '../runtime/fetchModel';

export interface RuntimeSlice {
  preference: ProviderPreference;
  /** WASM threads asked for; undefined = ONNX Runtime's default. */
  threads?: number;
  backend?: BackendInfo;
  /** Latest progress event per file (download, cache hit, warm-up, ready). */
  progress: Record<string, LoadProgress>;
}

function initialPreference(): ProviderPreference {
  const ep = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('ep');
  return isProviderPreference(ep) ? ep : 'auto';
}

function initialThreads(): number | undefined {
  const t = typeof location === 'undefined' ? null : Number(new URLSearchParams(location.search).get('threads'));
  return t && t > 0 ? Math.floor(t) : undefined;
}

export const createRuntimeSlice: StateCreator<RuntimeSlice> = () => ({
  preference: initialPreference(),
  threads: initialThreads(),
  backend: undefined,
  progress: {},
});
