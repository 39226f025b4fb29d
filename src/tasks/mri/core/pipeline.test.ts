import { describe, expect, it } from 'vitest';
import type { Volume } from '../../../io/volume';
import { LOCATOR_SLICES, locateHeart, measure, segmentVolume, type RunMriModel } from './pipeline';

/** A fake model: labels LV wherever the (z-scored) input is bright, so it "sees" the disc we draw; a batch slice by slice. */
const brightIsLv: RunMriModel = async (inputs, size) =>
  inputs.map((input) => {
    const plane = size * size;
    const logits = new Float32Array(4 * plane);
    for (let i = 0; i < plane; i++) logits[(input[i] > 1 ? 3 : 0) * plane + i] = 1;
    return { logits, df: new Float32Array(2 * plane) };
  });

/** 300×200 px at 1 mm, 4 slices, 2 frames; a bright disc of radius r (frame-dependent) at (cx, cy). */
function discVolume(cx: number, cy: number, radius: number[]): Volume {
  const [nx, ny, nz, nt] = [300, 200, 4, radius.length];
  const data = new Float32Array(nx * ny * nz * nt);
  for (let t = 0; t < nt; t++)
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 < radius[t] ** 2) data[((t * nz + z) * ny + y) * nx + x] = 100;
  return { data, dims: [nx, ny, nz, nt], spacingMm: [1, 1, 10], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 10, 0, 0, 0, 0, 1], source: { format: 'nifti', name: 'discs' } };
}

describe('MRI pipeline', () => {
  it('finds an off-centre heart near the crop edge and crops around it', async () => {
    // Disc at (225, 80), r 20: inside the first 192 mm centre crop ([54, 246] × [4, 196]), so the locator sees it,
    // but 4 model pixels from its right edge (u ≈ 127 − 4), less than KEEP_MARGIN_PX: the crop is re-centred.
    const where = await locateHeart(discVolume(225, 80, [20]), brightIsLv, { spacingMm: 1.5, cropSize: 128 });
    expect(where.centre![0]).toBeCloseTo(225, 0);
    expect(where.centre![1]).toBeCloseTo(80, 0);
    expect(where.grid.cx).toBeCloseTo(225, 0);
    expect(where.kept.size).toBe(0);
    expect(where.runs).toBe(LOCATOR_SLICES);
  });

  it('keeps the centred crop for a heart well inside it, and its runs: no slice runs twice', async () => {
    // Disc at (200, 80), r 20: its far edge is at u ≈ 64 + 70 / 1.5 = 110.7, more than KEEP_MARGIN_PX from 127.
    const volume = discVolume(200, 80, [20, 15]);
    const where = await locateHeart(volume, brightIsLv, { spacingMm: 1.5, cropSize: 128 });
    expect(where.centre![0]).toBeCloseTo(200, 0);
    expect([where.grid.cx, where.grid.cy]).toEqual([150, 100]);
    expect([...where.kept.keys()]).toEqual([1, 2, 3]);
    const batches: number[] = [];
    const counted: RunMriModel = (inputs, size) => (batches.push(inputs.length), brightIsLv(inputs, size));
    const seg = await segmentVolume(volume, counted, { preprocess: { spacingMm: 1.5, cropSize: 128 } });
    // 4 slices × 2 frames: the locator's batch is frame 0's slices 1–3, then slice 0 alone, then frame 1 in one batch
    expect(batches).toEqual([LOCATOR_SLICES, 1, 4]);
    expect(seg.inferences).toBe(8);
    const m = measure(seg.labels, volume);
    // π r² mm² × 4 slices × 10 mm ≈ 50.3 mL, within the 5 % that resampling to 1.5 mm and back allows.
    expect(Math.abs(m.volumesMl[0].LV / 50.27 - 1)).toBeLessThan(0.05);
  });

  it('finds no heart in an empty volume and keeps the centred crop', async () => {
    const where = await locateHeart(discVolume(150, 100, [0]), brightIsLv, { spacingMm: 1.5, cropSize: 128 });
    expect(where.centre).toBeUndefined();
    expect([where.grid.cx, where.grid.cy]).toEqual([150, 100]);
  });

  it('segments every slice and frame, reports progress, and measures volumes and EF', async () => {
    const volume = discVolume(150, 100, [30, 20]);
    const progress: number[] = [];
    const seg = await segmentVolume(volume, brightIsLv, { preprocess: { spacingMm: 1.5, cropSize: 128 }, onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seg.fields).toHaveLength(8);
    expect(seg.grid.cx).toBeCloseTo(150, 0);
    const m = measure(seg.labels, volume);
    // π r² mm² × 4 slices × 10 mm: ED (r = 30) ≈ 113.1 mL, ES (r = 20) ≈ 50.3 mL.
    expect(m.volumesMl[0].LV).toBeGreaterThan(113.1 * 0.95);
    expect(m.volumesMl[0].LV).toBeLessThan(113.1 * 1.05);
    expect(m.volumesMl[1].LV).toBeGreaterThan(50.3 * 0.93);
    expect(m.volumesMl[1].LV).toBeLessThan(50.3 * 1.07);
    expect(m.suggested).toEqual({ ed: 0, es: 1 });
  });

  it('runs the other slices in batches across frames, each result on its own slice', async () => {
    // Off-centre heart: nothing of the locator is kept, so all 8 slices run, 3 per batch (0–2, 3–5 across the frames, 6–7).
    const volume = discVolume(225, 80, [30, 20]);
    const batches: number[] = [];
    const run: RunMriModel = (inputs, size) => (batches.push(inputs.length), brightIsLv(inputs, size));
    const progress: number[] = [];
    const seg = await segmentVolume(volume, run, { preprocess: { spacingMm: 1.5, cropSize: 128 }, batch: 3, onProgress: (d) => progress.push(d) });
    expect(batches).toEqual([LOCATOR_SLICES, 3, 3, 2]);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const m = measure(seg.labels, volume);
    expect(m.volumesMl[0].LV / 113.1).toBeCloseTo(1, 1);
    expect(m.volumesMl[1].LV / 50.3).toBeCloseTo(1, 1);
    const one = await segmentVolume(volume, brightIsLv, { preprocess: { spacingMm: 1.5, cropSize: 128 }, batch: 1 });
    expect(one.labels).toEqual(seg.labels);
  });

  it('stops before the next batch once its signal is aborted', async () => {
    let calls = 0;
    const controller = new AbortController();
    const run: RunMriModel = async (inputs, size) => (++calls === 2 && controller.abort(), brightIsLv(inputs, size));
    await expect(segmentVolume(discVolume(150, 100, [30, 20]), run, { signal: controller.signal })).rejects.toMatchObject({ name: 'ABORTED', message: expect.stringContaining('stopped after 1 of') });
    // the locator's batch (kept: frame 0's slices 1–3), then slice 0 alone: aborted there, frame 1 never runs.
    expect(calls).toBe(2);
  });
});
