// What the benchmark needs to know about this browser and this deployment: machine facts, the WebGPU adapter,
// which models are served. Main thread; runs no model.
import { isModelMissing } from '../errors';
import { appUrl, fetchManifest } from '../runtime/fetchModel';
import { modelFile, type Manifest } from '../runtime/manifest';
import { probeWebGpuAdapter } from '../runtime/webgpu';
import type { Machine } from './core/report';

export async function machine(): Promise<Machine> {
  const adapter = await probeWebGpuAdapter();
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
    crossOriginIsolated: self.crossOriginIsolated === true,
    webgpuAdapter: adapter?.description,
  };
}

/** The model's manifest when the model is served (manifest and model file both answer), else the reason it is not. */
export async function availableModel(task: string, id: string): Promise<{ ok: true; manifest: Manifest } | { ok: false; reason: string }> {
  try {
    const { manifest, baseUrl } = await fetchManifest(task, id);
    const file = modelFile(manifest);
    const head = await fetch(baseUrl + file.path, { method: 'HEAD', cache: 'no-cache' });
    // A dev or preview server answers unknown paths with the app's index.html (SPA fallback): not a model.
    if (head.ok && /text\/html/.test(head.headers.get('Content-Type') ?? '')) return { ok: false, reason: `model missing (models/${task}/${id}/${file.path} is not served)` };
    if (!head.ok) return { ok: false, reason: `model missing (${baseUrl + file.path}: HTTP ${head.status})` };
    return { ok: true, manifest };
  } catch (error) {
    const e = error as Error;
    // A missing file answers 404, or index.html (a dev/preview server's SPA fallback) which is "not JSON".
    if (isModelMissing(e)) return { ok: false, reason: `model missing (models/${task}/${id}/ is not served)` };
    return { ok: false, reason: `model unavailable (${appUrl(`models/${task}/${id}/`)}: ${e.message})` };
  }
}

interface MemoryMeasurement {
  bytes: number;
  breakdown: { bytes: number; attribution: { url?: string; scope?: string }[]; types?: string[] }[];
}

/**
 * `performance.measureUserAgentSpecificMemory()` (Chromium, cross-origin isolated pages only): the memory of this
 * page and its workers, by worker script. Chromium may postpone it to the next garbage collection (up to ~20 s)
 * unless started with --enable-blink-features=ForceEagerMeasureMemory, which `npm run bench` passes. Resolves with
 * the reason when it is not available or does not answer within `timeoutMs`.
 */
export async function measureMemory(timeoutMs: number): Promise<MemoryMeasurement | { unavailable: string }> {
  const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<MemoryMeasurement> };
  if (typeof perf.measureUserAgentSpecificMemory !== 'function') return { unavailable: 'performance.measureUserAgentSpecificMemory is not available in this browser' };
  if (!self.crossOriginIsolated) return { unavailable: 'performance.measureUserAgentSpecificMemory needs a cross-origin isolated page' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ unavailable: string }>((resolve) => (timer = setTimeout(() => resolve({ unavailable: `performance.measureUserAgentSpecificMemory did not answer within ${timeoutMs / 1000} s` }), timeoutMs)));
  try {
    return await Promise.race([perf.measureUserAgentSpecificMemory(), timeout]);
  } catch (error) {
    return { unavailable: `performance.measureUserAgentSpecificMemory failed: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
