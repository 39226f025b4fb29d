/** Which execution provider runs the models, and why. Pure: the environment is passed in. */
export type ExecutionProvider = 'webgpu' | 'wasm';
export type ProviderPreference = 'auto' | ExecutionProvider;

export interface BackendInfo {
  ep: ExecutionProvider;
  /** WASM threads in use (1 when the page is not cross-origin isolated). */
  threads: number;
  crossOriginIsolated: boolean;
  /** Set when the preferred provider could not be used. */
  fallbackReason?: string;
  /** The adapter's description, when WebGPU is used. */
  adapter?: string;
  /** The ONNX Runtime .wasm binary the worker loaded (the plain WASM build, or the JSEP build for WebGPU). */
  wasmFile?: string;
}

export const PROVIDER_PREFERENCES: ProviderPreference[] = ['auto', 'webgpu', 'wasm'];

export function isProviderPreference(v: unknown): v is ProviderPreference {
  return typeof v === 'string' && (PROVIDER_PREFERENCES as string[]).includes(v);
}

/** WebGPU when an adapter exists (or when asked for and present), else WASM with the reason. */
export function chooseProvider(preference: ProviderPreference, hasWebGpuAdapter: boolean): { ep: ExecutionProvider; fallbackReason?: string } {
  if (preference === 'wasm') return { ep: 'wasm' };
  if (hasWebGpuAdapter) return { ep: 'webgpu' };
  return preference === 'webgpu' ? { ep: 'wasm', fallbackReason: 'WebGPU was requested but no adapter is available; using WASM.' } : { ep: 'wasm' };
}

/**
 * Threads for the WASM backend: the user's choice, else ONNX Runtime's own default (half the cores, at most 4);
 * always 1 without cross-origin isolation, since threads need SharedArrayBuffer.
 */
export function chooseThreads(requested: number | undefined, hardwareConcurrency: number, isolated: boolean): number {
  if (!isolated) return 1;
  const fallback = Math.min(4, Math.max(1, Math.ceil(hardwareConcurrency / 2)));
  return Math.max(1, Math.min(requested ?? fallback, hardwareConcurrency || 1));
}
