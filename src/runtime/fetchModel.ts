import { LoupeError } from '../errors';
import { parseManifest, type Manifest } from './manifest';

/** Progress events, one union keyed on `status`; `file` keys the progress list. */
export type LoadProgress =
  | { status: 'download'; file: string; loaded: number; total: number }
  | { status: 'cached'; file: string; total: number }
  | { status: 'warmup'; file: string }
  | { status: 'ready'; file: string };

export type OnProgress = (event: LoadProgress) => void;

export const MODEL_CACHE = 'loupe-models-v1';

export interface ExpectedFile {
  url: string;
  /** Size from the manifest; when absent (runtime files), the Content-Length header sets the progress total. */
  bytes?: number;
  sha256?: string;
}

/** Base URL the app is served from; models and runtime files live under it (no CDN). */
export function appUrl(path: string): string {
  const base = new URL(import.meta.env?.BASE_URL ?? '/', self.location.origin);
  return new URL(path.replace(/^\//, ''), base).href;
}

/**
 * A model's manifest from the server, no-cache (a new build may ship a new model). The last one read is kept in the
 * model cache, so the studio still opens its models with the network off (the files themselves are cached below).
 */
export async function fetchManifest(task: string, id: string, signal?: AbortSignal): Promise<{ manifest: Manifest; baseUrl: string }> {
  const url = appUrl(`models/${task}/${id}/manifest.json`);
  return { manifest: await fetchManifestJson(url, parseManifest, signal), baseUrl: url.replace(/manifest\.json$/, '') };
}

/**
 * A manifest-like JSON file at `url`, checked by `parse`: fetched past the HTTP cache, kept in the model cache, and
 * read from there when the network is off. Used for model manifests and for the chat lexicon's.
 */
export async function fetchManifestJson<T>(url: string, parse: (json: unknown, where: string) => T, signal?: AbortSignal): Promise<T> {
  const cache = await openCache();
  let response: Response;
  try {
    response = await fetch(url, { signal, cache: 'no-cache' });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    const kept = await cache?.match(url);
    if (!kept) throw new LoupeError('MODEL_FETCH_FAILED', `${url}: ${(error as Error).message}`);
    response = kept;
  }
  if (!response.ok) throw new LoupeError('MODEL_FETCH_FAILED', `${url}: HTTP ${response.status}`);
  let json: unknown;
  try {
    json = await response.clone().json();
  } catch {
    throw new LoupeError('MANIFEST_INVALID', `${url}: not JSON`);
  }
  const parsed = parse(json, url);
  await cache?.put(url, response).catch(() => undefined);
  return parsed;
}

/** SHA-256 as hex (Web Crypto: the browser, workers and Node ≥ 19); the one integrity hash of the runtime. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function openCache(): Promise<Cache | undefined> {
  try {
    return 'caches' in self ? await caches.open(MODEL_CACHE) : undefined;
  } catch {
    return undefined; // e.g. storage disabled: still works, just not offline
  }
}

/**
 * Cache-first download with byte-accurate progress. A cached copy is used when its size (and SHA-256, when
 * given) match; otherwise the file is fetched, checked and stored, so a second visit loads offline.
 */
export async function fetchFile(name: string, expected: ExpectedFile, onProgress?: OnProgress, signal?: AbortSignal): Promise<Uint8Array> {
  const cache = await openCache();
  const hit = await cache?.match(expected.url);
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if ((expected.bytes === undefined || bytes.byteLength === expected.bytes) && (!expected.sha256 || (await sha256Hex(bytes)) === expected.sha256)) {
      onProgress?.({ status: 'cached', file: name, total: bytes.byteLength });
      return bytes;
    }
    await cache?.delete(expected.url);
  }
  let response: Response;
  try {
    response = await fetch(expected.url, { signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new LoupeError('MODEL_FETCH_FAILED', `${expected.url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) throw new LoupeError('MODEL_FETCH_FAILED', `${expected.url}: HTTP ${response.status}`);
  const total = expected.bytes ?? Number(response.headers.get('Content-Length') ?? 0);
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  onProgress?.({ status: 'download', file: name, loaded, total });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      onProgress?.({ status: 'download', file: name, loaded, total: Math.max(total, loaded) });
    }
  } finally {
    // The row leaves the download list once the bytes are in (or the download failed: the error banner says why).
    onProgress?.({ status: 'ready', file: name });
  }
  if (expected.bytes !== undefined && loaded !== expected.bytes) {
    throw new LoupeError('MODEL_INTEGRITY', `${name}: got ${loaded} bytes, the manifest lists ${expected.bytes}`);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (expected.sha256) {
    const actual = await sha256Hex(bytes);
    if (actual !== expected.sha256) throw new LoupeError('MODEL_INTEGRITY', `${name}: SHA-256 ${actual} ≠ ${expected.sha256}`);
  }
  await cache?.put(expected.url, new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } })).catch(() => undefined);
  return bytes;
}
