import { describe, expect, it } from 'vitest';
import { chooseProvider, chooseThreads, isProviderPreference } from './backend';

describe('chooseProvider', () => {
  it('uses WebGPU when an adapter exists, unless WASM is asked for', () => {
    expect(chooseProvider('auto', true)).toEqual({ ep: 'webgpu' });
    expect(chooseProvider('webgpu', true)).toEqual({ ep: 'webgpu' });
    expect(chooseProvider('wasm', true)).toEqual({ ep: 'wasm' });
  });
  it('falls back to WASM without an adapter, and says why when WebGPU was asked for', () => {
    expect(chooseProvider('auto', false)).toEqual({ ep: 'wasm' });
    expect(chooseProvider('webgpu', false)).toEqual({ ep: 'wasm', fallbackReason: 'WebGPU was requested but no adapter is available; using WASM.' });
  });
  it('recognises preferences from the URL', () => {
    expect(['auto', 'webgpu', 'wasm', 'webgl', null].map(isProviderPreference)).toEqual([true, true, true, false, false]);
  });
});

describe('chooseThreads', () => {
  it("follows ONNX Runtime's default of half the cores, at most 4", () => {
    expect(chooseThreads(undefined, 2, true)).toBe(1);
    expect(chooseThreads(undefined, 8, true)).toBe(4);
    expect(chooseThreads(undefined, 16, true)).toBe(4);
    expect(chooseThreads(undefined, 3, true)).toBe(2);
  });
  it('honours a request up to the core count', () => {
    expect(chooseThreads(2, 2, true)).toBe(2);
    expect(chooseThreads(8, 2, true)).toBe(2);
  });
  it('is 1 without cross-origin isolation', () => {
    expect(chooseThreads(4, 8, false)).toBe(1);
  });
});
