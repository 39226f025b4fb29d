import { describe, expect, it } from 'vitest';
import { benchUrlMode } from './url';

describe('benchUrlMode', () => {
  it('opens the panel on ?bench and names the cold-start probe', () => {
    expect(benchUrlMode('')).toEqual({ open: false });
    expect(benchUrlMode('?ep=wasm')).toEqual({ open: false });
    expect(benchUrlMode('?bench')).toEqual({ open: true, probe: undefined });
    expect(benchUrlMode('?bench=cold-face&ep=wasm&threads=1')).toEqual({ open: true, probe: 'face' });
    expect(benchUrlMode('?threads=1&bench=cold-mri')).toEqual({ open: true, probe: 'mri' });
    expect(benchUrlMode('?bench=cold-chat&ep=wasm&threads=1')).toEqual({ open: true, probe: 'chat' });
    expect(benchUrlMode('?bench=bogus')).toEqual({ open: true, probe: undefined });
    expect(benchUrlMode('?bench=cold-bogus')).toEqual({ open: true, probe: undefined });
    expect(benchUrlMode('?bench=cold-')).toEqual({ open: true, probe: undefined });
  });
});
