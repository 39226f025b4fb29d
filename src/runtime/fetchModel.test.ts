import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchFile, type LoadProgress } from './fetchModel';

const BYTES = new Uint8Array(1000).map((_, i) => i % 251);
const SHA = createHash('sha256').update(BYTES).digest('hex');

function serve(body: Uint8Array, chunk = 300, headers: Record<string, string> = {}) {
  vi.stubGlobal('fetch', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += chunk) controller.enqueue(body.slice(i, i + chunk));
        controller.close();
      },
    });
    return new Response(stream, { headers });
  });
}

afterEach(() => vi.unstubAllGlobals());

describe('fetchFile', () => {
  it('reports byte-accurate progress against the manifest size and returns the checked bytes', async () => {
    serve(BYTES);
    const events: LoadProgress[] = [];
    const bytes = await fetchFile('m.onnx', { url: 'http://x/m.onnx', bytes: 1000, sha256: SHA }, (e) => events.push(e));
    expect(bytes).toEqual(BYTES);
    expect(events.map((e) => (e.status === 'download' ? e.loaded : -1))).toEqual([0, 300, 600, 900, 1000, -1]);
    expect(events.slice(0, -1).every((e) => e.status === 'download' && e.total === 1000)).toBe(true);
    expect(events.at(-1)).toEqual({ status: 'ready', file: 'm.onnx' }); // the row leaves the download list
  });

  it('takes the total from Content-Length when the size is not known in advance', async () => {
    serve(BYTES, 500, { 'Content-Length': '1000' });
    const events: LoadProgress[] = [];
    await fetchFile('ort.wasm', { url: 'http://x/ort.wasm' }, (e) => events.push(e));
    expect(events.at(-2)).toEqual({ status: 'download', file: 'ort.wasm', loaded: 1000, total: 1000 });
  });

  it('rejects a file whose size or hash differs from the manifest', async () => {
    serve(BYTES);
    await expect(fetchFile('m.onnx', { url: 'http://x/m.onnx', bytes: 999 })).rejects.toMatchObject({ name: 'MODEL_INTEGRITY' });
    serve(BYTES);
    await expect(fetchFile('m.onnx', { url: 'http://x/m.onnx', bytes: 1000, sha256: '0'.repeat(64) })).rejects.toMatchObject({ name: 'MODEL_INTEGRITY' });
  });

  it('turns HTTP and network failures into MODEL_FETCH_FAILED', async () => {
    vi.stubGlobal('fetch', async () => new Response('nope', { status: 404 }));
    await expect(fetchFile('m.onnx', { url: 'http://x/m.onnx', bytes: 1 })).rejects.toMatchObject({ name: 'MODEL_FETCH_FAILED', message: 'http://x/m.onnx: HTTP 404' });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(fetchFile('m.onnx', { url: 'http://x/m.onnx', bytes: 1 })).rejects.toMatchObject({ name: 'MODEL_FETCH_FAILED' });
  });
});
