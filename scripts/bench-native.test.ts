import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { matmulModel } from '../src/bench/core/matmulModel';
import { bytesToBase64, fromWire, toWire } from '../src/bench/core/native';
import { nativeBridge } from './bench-native';

describe('native bridge (onnxruntime-node, 1 thread)', () => {
  it('loads a checked model, runs the inputs it is given, times runs, and releases', async () => {
    const bridge = nativeBridge();
    const init = (await bridge({ op: 'init' })) as { ok: boolean; versions: Record<string, string>; settings: string };
    expect(init.ok).toBe(true);
    expect(init.versions.node).toMatch(/^\d+\.\d+\.\d+/);
    expect(init.settings).toMatch(/intraOpNumThreads 1, interOpNumThreads 1, executionMode sequential/);

    const bytes = matmulModel(2);
    const url = `data:application/octet-stream;base64,${bytesToBase64(bytes)}`;
    await expect(bridge({ op: 'load', key: 'mm', url, sha256: '0'.repeat(64) })).rejects.toThrow(/SHA-256/);
    await bridge({ op: 'load', key: 'mm', url, sha256: createHash('sha256').update(bytes).digest('hex') });
    const A = toWire({ dtype: 'float32', data: new Float32Array([1, 2, 3, 4]), dims: [2, 2] });
    const B = toWire({ dtype: 'float32', data: new Float32Array([1, 0, 0, 2]), dims: [2, 2] });
    await bridge({ op: 'setInputs', key: 'mm', set: 0, feeds: { A, B } });

    const out = (await bridge({ op: 'outputs', key: 'mm', set: 0 })) as Record<string, ReturnType<typeof toWire>>;
    const [y] = Object.values(out).map(fromWire);
    expect(y.dims).toEqual([2, 2]);
    expect([...y.data]).toEqual([1, 4, 3, 8]);

    const ms = (await bridge({ op: 'time', key: 'mm', set: 0, runs: 3 })) as number[];
    expect(ms).toHaveLength(3);
    for (const t of ms) expect(t).toBeGreaterThanOrEqual(0);
    await expect(bridge({ op: 'time', key: 'mm', set: 1, runs: 1 })).rejects.toThrow(/no input set 1/);

    await bridge({ op: 'dispose' });
    await expect(bridge({ op: 'time', key: 'mm', set: 0, runs: 1 })).rejects.toThrow(/not loaded/);
  });
});
