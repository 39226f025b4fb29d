import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, describeAgreement, fromWire, outputAgreement, prefillInputs, toWire, type PlainTensor } from './native';
import type { CountedInput } from './flops';

describe('native bridge wire format', () => {
  it('base64 round-trips bytes, also past one chunk of String.fromCharCode', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    const b64 = bytesToBase64(bytes);
    expect(b64).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(b64)).toEqual(bytes);
  });

  it('round-trips float32, int64 and int32 tensors bit for bit, from a view into a larger buffer too', () => {
    const backing = new Float32Array([9, 1.5, -0, NaN, 3e-38, 7]);
    const cases: PlainTensor[] = [
      { dtype: 'float32', data: backing.subarray(1, 5), dims: [2, 2] },
      { dtype: 'int64', data: new BigInt64Array([1n, -2n, 2n ** 62n]), dims: [1, 3] },
      { dtype: 'int32', data: new Int32Array([5, -6]), dims: [2] },
    ];
    for (const t of cases) {
      const back = fromWire(JSON.parse(JSON.stringify(toWire(t))));
      expect(back.dtype).toBe(t.dtype);
      expect(back.dims).toEqual(t.dims);
      expect(new Uint8Array(back.data.buffer)).toEqual(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    expect(Object.is((fromWire(toWire(cases[0])).data as Float32Array)[1], -0)).toBe(true);
  });

  it('refuses data that does not fill its dims, and unknown dtypes', () => {
    const w = toWire({ dtype: 'float32', data: new Float32Array(3), dims: [3] });
    expect(() => fromWire({ ...w, dims: [2, 2] })).toThrow(/3 float32 values for dims \[2, 2\] \(4\)/);
    expect(() => fromWire({ ...w, dtype: 'float16' as never })).toThrow(/unsupported dtype float16/);
  });
});

describe('prefillInputs', () => {
  // The decode-step binding of src/bench/flops.json for a 2-layer decoder (127 cached tokens).
  const decode: Record<string, CountedInput> = {
    input_ids: { shape: [1, 1], dtype: 'int64' },
    attention_mask: { shape: [1, 128], dtype: 'int64' },
    position_ids: { shape: [1, 1], dtype: 'int64', fill: 127 },
    'past_key_values.0.key': { shape: [1, 2, 127, 32], dtype: 'float32' },
    'past_key_values.0.value': { shape: [1, 2, 127, 32], dtype: 'float32' },
  };

  it('gives the token inputs `tokens` columns, the caches no rows, positions from 0', () => {
    expect(prefillInputs(decode, 32)).toEqual({
      input_ids: { shape: [1, 32], dtype: 'int64' },
      attention_mask: { shape: [1, 32], dtype: 'int64' },
      position_ids: { shape: [1, 32], dtype: 'int64', fill: 0 },
      'past_key_values.0.key': { shape: [1, 2, 0, 32], dtype: 'float32' },
      'past_key_values.0.value': { shape: [1, 2, 0, 32], dtype: 'float32' },
    });
    expect(decode.input_ids.shape).toEqual([1, 1]); // not mutated
  });

  it('names an input it has no rule for', () => {
    expect(() => prefillInputs({ ...decode, token_type_ids: { shape: [1, 1], dtype: 'int64' } }, 4)).toThrow(/token_type_ids/);
  });
});

describe('outputAgreement', () => {
  const f = (values: number[]): PlainTensor => ({ dtype: 'float32', data: new Float32Array(values), dims: [values.length] });

  it('takes the largest absolute difference over the outputs both sides have', () => {
    const r = outputAgreement({ a: f([1, -4, 2]), b: f([0.5]), onlyHere: f([100]) }, { a: f([1, -4.25, 2.125]), b: f([0.5]) });
    expect(r).toEqual({ maxAbsDiff: 0.25, maxAbs: 4, compared: ['a', 'b'] });
  });

  it('NaN on both sides agrees, on one side is Infinity; nothing to compare is NaN', () => {
    expect(outputAgreement({ a: f([NaN, 1]) }, { a: f([NaN, 1]) }).maxAbsDiff).toBe(0);
    expect(outputAgreement({ a: f([NaN, 1]) }, { a: f([0, 1]) }).maxAbsDiff).toBe(Infinity);
    expect(outputAgreement({ a: f([1]) }, { b: f([1]) }).maxAbsDiff).toBeNaN();
  });

  it('refuses outputs of different dims', () => {
    expect(() => outputAgreement({ a: f([1, 2]) }, { a: f([1]) })).toThrow(/output a/);
  });
});

describe('describeAgreement', () => {
  it('says how far apart the outputs are, or that they cannot be compared', () => {
    expect(describeAgreement({ maxAbsDiff: 2.4e-7, maxAbs: 13.14, compared: ['a', 'b'] })).toBe('outputs: max |browser − native| 2.4e-7 (largest |value| 13.1, 2 outputs)');
    expect(describeAgreement({ maxAbsDiff: Infinity, maxAbs: 1, compared: ['a'] })).toMatch(/DIFFER: NaN on one side only \(1 output\)/);
    expect(describeAgreement({ maxAbsDiff: NaN, maxAbs: NaN, compared: [] })).toMatch(/none/);
  });
});
