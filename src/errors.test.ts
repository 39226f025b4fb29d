import { describe, expect, it } from 'vitest';
import { ERROR_ADVICE, ERROR_CODES, isModelMissing, LoupeError, toUserError } from './errors';

describe('toUserError', () => {
  it('maps a coded error (as it arrives from a worker: name + message) to its advice', () => {
    const fromWorker = { name: 'CORRUPT_IMAGE', message: 'x.png: bad IHDR' };
    expect(toUserError(fromWorker)).toEqual({ code: 'CORRUPT_IMAGE', ...ERROR_ADVICE.CORRUPT_IMAGE, detail: 'x.png: bad IHDR' });
    expect(toUserError(new LoupeError('CAMERA_DENIED', 'NotAllowedError')).code).toBe('CAMERA_DENIED');
  });
  it('recognises out-of-memory failures and aborts; otherwise uses the fallback', () => {
    expect(toUserError(new Error('Aborted(). Out of memory')).code).toBe('OUT_OF_MEMORY');
    expect(toUserError(new DOMException('stop', 'AbortError')).code).toBe('ABORTED');
    expect(toUserError(new Error('weird')).code).toBe('INFERENCE_FAILED');
    expect(toUserError('text', 'MODEL_FETCH_FAILED')).toMatchObject({ code: 'MODEL_FETCH_FAILED', detail: 'text' });
  });
  it('has a title and an action for every code', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_ADVICE[code].title.length).toBeGreaterThan(5);
      if (code !== 'ABORTED') expect(ERROR_ADVICE[code].action.length).toBeGreaterThan(5);
    }
  });
});

describe('isModelMissing', () => {
  it('is true for a 404 and for an SPA fallback page served as the manifest, false for other failures', () => {
    expect(isModelMissing(new LoupeError('MODEL_FETCH_FAILED', 'models/ct/x/manifest.json: HTTP 404'))).toBe(true);
    expect(isModelMissing(new LoupeError('MANIFEST_INVALID', 'models/ct/x/manifest.json: not JSON'))).toBe(true);
    expect(isModelMissing(new LoupeError('MANIFEST_INVALID', 'inputs.0.shape: expected array'))).toBe(false);
    expect(isModelMissing(new LoupeError('MODEL_INTEGRITY', 'sha256 mismatch'))).toBe(false);
    expect(isModelMissing(new Error('boom'))).toBe(false);
  });
});
