import { describe, expect, it } from 'vitest';
import { runErrorCode } from './session';

describe('runErrorCode', () => {
  it('a WebGPU kernel the provider cannot run is WEBGPU_UNAVAILABLE (so the load falls back to WASM)', () => {
    const message = '[WebGPU] Kernel "[AveragePool] /features/transition1/pool/AveragePool_token_36" failed. Error: Pooling with kernelShape.length > 2 is not supported for NHWC format.';
    expect(runErrorCode('webgpu', message)).toBe('WEBGPU_UNAVAILABLE');
    // The same words on WASM are an ordinary shape problem.
    expect(runErrorCode('wasm', message)).toBe('INPUT_SHAPE_MISMATCH');
  });

  it('memory, shape and anything else', () => {
    expect(runErrorCode('wasm', 'failed to allocate memory')).toBe('OUT_OF_MEMORY');
    expect(runErrorCode('webgpu', 'Got invalid dimensions for input: volume')).toBe('INPUT_SHAPE_MISMATCH');
    expect(runErrorCode('wasm', 'something odd')).toBe('INFERENCE_FAILED');
  });
});
