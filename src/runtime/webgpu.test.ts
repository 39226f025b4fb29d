import { describe, expect, it } from 'vitest';
import { describeAdapter } from './webgpu';

describe('describeAdapter', () => {
  it('joins what the adapter reports', () => {
    expect(describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'H200' } })).toEqual({
      description: 'nvidia hopper H200',
      software: false,
    });
    expect(describeAdapter({})).toEqual({ description: 'WebGPU adapter', software: false });
  });

  it('marks software adapters, by flag or by name', () => {
    expect(describeAdapter({ info: { vendor: 'google', architecture: 'swiftshader' } })).toEqual({ description: 'google swiftshader (software)', software: true });
    expect(describeAdapter({ info: { vendor: 'mesa', isFallbackAdapter: true } }).software).toBe(true);
    expect(describeAdapter({ info: { vendor: 'mesa' }, isFallbackAdapter: true })).toEqual({ description: 'mesa (software)', software: true });
  });
});
