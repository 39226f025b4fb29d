import { describe, expect, it } from 'vitest';
import { checkInput, cleanSlice, cleanVolume, components, judgeHeart, scoreHeart } from './anatomy';

const N = 64;

/** A short-axis heart drawn on an N×N slice: LV disc (3) in a myocardial ring (2), an RV crescent (1) against it. */
function heart(cx: number, cy: number, into: Uint8Array = new Uint8Array(N * N), { rv = true } = {}): Uint8Array {
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const r = Math.hypot(x - cx, y - cy);
      if (r <= 6) into[y * N + x] = 3;
      else if (r <= 9) into[y * N + x] = 2;
      else if (rv && r <= 13 && x < cx - 4) into[y * N + x] = 1;
    }
  }
  return into;
}

const count = (a: Uint8Array, label: number) => a.reduce((n, v) => n + (v === label ? 1 : 0), 0);

describe('components', () => {
  it('counts 4-connected parts of one label', () => {
    const s = new Uint8Array(N * N);
    s[0] = 3;
    s[1] = 3;
    s[N + 5] = 3; // diagonal from nothing: its own component
    s[2 * N + 6] = 3; // diagonal to the previous: a third
    expect(components(s, N, N, 3).sizes).toEqual([0, 2, 1, 1]);
  });
});

describe('cleanSlice', () => {
  it('keeps the heart near the centre and drops a second ringed pool far away (the false ring below the heart)', () => {
    const s = heart(20, 20);
    heart(48, 50, s, { rv: false });
    const clean = cleanSlice(s, N, N, { centre: [20, 20], maxDistance: 15 });
    expect(count(clean, 3)).toBe(count(heart(20, 20), 3));
    expect(count(clean, 2)).toBe(count(heart(20, 20), 2));
    expect(clean[50 * N + 48]).toBe(0);
  });

  it('fills a hole in the blood pool, keeps the RV at the septum, drops an RV blob and specks elsewhere', () => {
    const s = heart(30, 30);
    s[30 * N + 30] = 0; // a papillary-muscle hole
    for (let y = 2; y < 6; y++) for (let x = 55; x < 60; x++) s[y * N + x] = 1; // RV far from the septum
    s[60 * N + 2] = 2; // a speck of myocardium
    const clean = cleanSlice(s, N, N, { centre: [30, 30], maxDistance: 20, minPixels: 3 });
    expect(clean[30 * N + 30]).toBe(3);
    expect(clean[3 * N + 57]).toBe(0);
    expect(clean[60 * N + 2]).toBe(0);
    expect(count(clean, 1)).toBe(count(heart(30, 30), 1));
  });
});

describe('cleanSlice near the image edge (it works on the labels\' bounding box)', () => {
  it('fills a hole of a heart cut by the image edge only where the edge does not reach it', () => {
    // A heart centred 4 px from the right edge: its ring is cut open there, so the background inside it reaches the
    // edge and is not a hole; a 1-pixel hole in the pool away from the edge is.
    const s = heart(N - 4, 30, undefined, { rv: false });
    s[30 * N + N - 8] = 0; // a hole inside the pool, 4 px from the cut
    for (let y = 27; y <= 33; y++) s[y * N + N - 1] = 0; // the pool opens onto the edge
    const out = cleanSlice(s, N, N, { centre: [N - 4, 30] });
    expect(out[30 * N + N - 8]).toBe(3);
    expect(out[30 * N + N - 1]).toBe(0);
    expect(Array.from(out).filter((v, i) => v !== s[i]).length).toBe(1);
  });

  it('returns an empty map for an empty slice, and the same labels wherever the heart sits', () => {
    expect(count(cleanSlice(new Uint8Array(N * N), N, N), 0)).toBe(N * N);
    const near = cleanSlice(heart(20, 20), N, N, { centre: [20, 20] });
    const far = cleanSlice(heart(40, 44), N, N, { centre: [40, 44] });
    for (const label of [1, 2, 3]) expect(count(near, label)).toBe(count(far, label));
  });
});

describe('refusal', () => {
  const dims = [N, N, 3, 1];
  const spacing = [1.5, 1.5, 8];
  const stack = (slices: Uint8Array[]) => {
    const out = new Uint8Array(N * N * slices.length);
    slices.forEach((s, z) => out.set(s, z * N * N));
    return out;
  };

  it('accepts one ringed pool per slice', () => {
    const raw = stack([heart(30, 30), heart(31, 30), heart(31, 31)]);
    const score = scoreHeart(raw, cleanVolume(raw, dims, spacing), dims, spacing);
    expect(score).toMatchObject({ slicesWithPool: 3, ringed: 1, removed: 0 });
    expect(judgeHeart(score)).toBeUndefined();
  });

  it('refuses labels without a pool, labels that fill the slice, and pools without a ring', () => {
    const empty = new Uint8Array(N * N * 3);
    expect(judgeHeart(scoreHeart(empty, empty, dims, spacing))?.code).toBe('NO_HEART');
    const painted = new Uint8Array(N * N * 3).fill(3); // MR_small: almost everything "LV"
    expect(judgeHeart(scoreHeart(painted, cleanVolume(painted, dims, spacing), dims, spacing))).toMatchObject({ code: 'NOT_A_HEART', reason: expect.stringMatching(/100 % of a slice/) });
    const pools = stack([0, 1, 2].map(() => heart(30, 30).map((v) => (v === 2 || v === 1 ? 0 : v)))); // bare blobs, no myocardium
    expect(judgeHeart(scoreHeart(pools, cleanVolume(pools, dims, spacing), dims, spacing))).toMatchObject({ code: 'NOT_A_HEART', reason: expect.stringMatching(/myocardial ring/) });
  });

  it('rules on the input: not MR, an implausible field of view; slice images (no pixel size) pass to the model check', () => {
    const base = { dims: [256, 256, 10, 20], spacingMm: [1.4, 1.4, 8] };
    expect(checkInput({ ...base, source: { format: 'dicom', modality: 'MR' } })).toBeUndefined();
    expect(checkInput({ ...base, source: { format: 'dicom', modality: 'CT' } })?.code).toBe('NOT_MR');
    expect(checkInput({ dims: [64, 64, 1, 1], spacingMm: [0.31, 0.31, 5], source: { format: 'dicom', modality: 'MR' } })).toMatchObject({ code: 'FIELD_OF_VIEW', reason: expect.stringMatching(/20 × 20 mm/) });
    expect(checkInput({ dims: [64, 64, 1, 1], spacingMm: [1, 1, 1], source: { format: 'image' } })).toBeUndefined();
  });
});
