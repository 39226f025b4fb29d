import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { matmulFlops, matmulModel } from './matmulModel';

describe('matmulModel', () => {
  it('is a valid ONNX model that onnxruntime runs: Y = A · B', async () => {
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(matmulModel(2, 3, 2));
    expect(session.inputNames).toEqual(['A', 'B']);
    expect(session.outputNames).toEqual(['Y']);
    const A = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const B = new ort.Tensor('float32', Float32Array.from([1, 0, 0, 1, 1, 1]), [3, 2]);
    const { Y } = await session.run({ A, B });
    expect(Y.dims).toEqual([2, 2]);
    // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    expect(Array.from(Y.data as Float32Array)).toEqual([4, 5, 10, 11]);
    await session.release();
  });
  it('encodes sizes above 127 as multi-byte varints', () => {
    // dim_value 1024 = varint 0x80 0x08.
    const bytes = matmulModel(1024);
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex).toContain('088008');
  });
  it('counts 2·m·k·n FLOPs', () => {
    expect(matmulFlops(1024)).toBe(2_147_483_648);
    expect(matmulFlops(2, 3, 4)).toBe(48);
  });
});
