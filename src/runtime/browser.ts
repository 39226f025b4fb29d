// Runtime bootstrap for workers in the browser: picks the execution provider, fetches the WASM runtime and
// model files through the model cache, creates and warms sessions.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { chooseProvider, chooseThreads, type BackendInfo, type ExecutionProvider, type ProviderPreference } from './backend';
import { fetchFile, type OnProgress } from './fetchModel';
import { configureWasm, type Model } from './session';
import { fetchedSource, openModel } from './source';
import { probeWebGpuAdapter } from './webgpu';

export interface RuntimeOptions {
  preference: ProviderPreference;
  /** WASM threads; ONNX Runtime's default when absent. */
  threads?: number;
}

export const RUNTIME_FILE = 'ONNX Runtime (WASM)';

/** Decides provider and threads, and loads the WASM runtime (cached like a model). Call once per worker. */
export async function initRuntime({ preference, threads }: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
  const adapter = preference === 'wasm' ? undefined : (await probeWebGpuAdapter())?.description;
  const { ep, fallbackReason } = chooseProvider(preference, adapter !== undefined);
  const isolated = self.crossOriginIsolated === true;
  const wasmThreads = chooseThreads(threads, navigator.hardwareConcurrency ?? 1, isolated);
  const wasmBinary = await fetchFile(RUNTIME_FILE, { url: new URL(wasmUrl, self.location.href).href }, onProgress);
  configureWasm({ threads: wasmThreads, wasmBinary });
  onProgress?.({ status: 'ready', file: RUNTIME_FILE });
  return { ep, threads: wasmThreads, crossOriginIsolated: isolated, fallbackReason, adapter: ep === 'webgpu' ? adapter : undefined };
}

/** Fetches (cache-first), checks, creates and warms one shipped model's session. */
export async function loadModel(task: string, id: string, ep: ExecutionProvider, onProgress?: OnProgress, signal?: AbortSignal): Promise<Model> {
  return openModel(await fetchedSource(task, id, onProgress, signal), ep, onProgress);
}
