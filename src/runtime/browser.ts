// Runtime bootstrap for workers in the browser: picks the execution provider, fetches the WASM runtime and
// model files through the model cache, creates and warms sessions.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { chooseProvider, chooseThreads, type BackendInfo, type ExecutionProvider, type ProviderPreference } from './backend';
import { fetchFile, fetchManifest, type OnProgress } from './fetchModel';
import { modelFile } from './manifest';
import { Model, configureWasm } from './session';

export interface RuntimeOptions {
  preference: ProviderPreference;
  /** WASM threads; ONNX Runtime's default when absent. */
  threads?: number;
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

async function describeWebGpuAdapter(): Promise<string | undefined> {
  const gpu = (navigator as typeof navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return undefined;
    const info = adapter.info ?? {};
    return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  } catch {
    return undefined;
  }
}

export const RUNTIME_FILE = 'ONNX Runtime (WASM)';

/** Decides provider and threads, and loads the WASM runtime (cached like a model). Call once per worker. */
export async function initRuntime({ preference, threads }: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
  const adapter = preference === 'wasm' ? undefined : await describeWebGpuAdapter();
  const { ep, fallbackReason } = chooseProvider(preference, adapter !== undefined);
  const isolated = self.crossOriginIsolated === true;
  const wasmThreads = chooseThreads(threads, navigator.hardwareConcurrency ?? 1, isolated);
  const wasmBinary = await fetchFile(RUNTIME_FILE, { url: new URL(wasmUrl, self.location.href).href }, onProgress);
  configureWasm({ threads: wasmThreads, wasmBinary });
  onProgress?.({ status: 'ready', file: RUNTIME_FILE });
  return { ep, threads: wasmThreads, crossOriginIsolated: isolated, fallbackReason, adapter: ep === 'webgpu' ? adapter : undefined };
}

/** Fetches (cache-first), checks, creates and warms one model's session. */
export async function loadModel(task: string, id: string, ep: ExecutionProvider, onProgress?: OnProgress, signal?: AbortSignal): Promise<Model> {
  const { manifest, baseUrl } = await fetchManifest(task, id, signal);
  const file = modelFile(manifest);
  const name = `${manifest.name}`;
  const bytes = await fetchFile(name, { url: baseUrl + file.path, bytes: file.bytes, sha256: file.sha256 }, onProgress, signal);
  const model = await Model.create(manifest, bytes, ep);
  onProgress?.({ status: 'warmup', file: name });
  await model.warmedUp();
  onProgress?.({ status: 'ready', file: name });
  return model;
}
