import { describe, expect, it } from 'vitest';
import { computeLetterbox, fromLetterboxedRgba, toImageFace, toImagePoint, toInputPoint, toLetterboxedNHWC, type Rect } from './letterbox';
import type { RgbaImage } from '../../../io/image';
import type { Face } from './types';

function image(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...colour(x, y), 255], (y * width + x) * 4);
  }
  return { data, width, height };
}

const pixel = (t: Float32Array, size: number, x: number, y: number) => Array.from(t.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));

describe('computeLetterbox', () => {
  it('fits a landscape rect, padding top and bottom', () => {
    const box = computeLetterbox([0, 0, 200, 100], 128);
    expect(box.scale).toBeCloseTo(0.64, 15);
    expect(box.padX).toBe(0);
    expect(box.padY).toBeCloseTo(32, 12);
    expect(box.size).toBe(128);
    expect(box.rect).toEqual([0, 0, 200, 100]);
  });

  it('fits a portrait rect, padding left and right', () => {
    const box = computeLetterbox([10, 20, 50, 100], 128);
    expect(box.scale).toBe(1.28);
    expect(box.padX).toBe(32);
    expect(box.padY).toBe(0);
  });

  it('does not pad a square rect', () => {
    expect(computeLetterbox([0, 0, 64, 64], 256)).toEqual({ rect: [0, 0, 64, 64], size: 256, scale: 4, padX: 0, padY: 0 });
  });
});

describe('toInputPoint / toImagePoint', () => {
  it('maps rect corners to the content area', () => {
    const box = computeLetterbox([0, 0, 200, 100], 128);
    expect(toInputPoint([0, 0], box)).toEqual([0, 0.25]);
    const [u, v] = toInputPoint([200, 100], box);
    expect(u).toBeCloseTo(1, 12);
    expect(v).toBeCloseTo(0.75, 12);
    const [x, y] = toImagePoint([0.5, 0.5], box);
    expect(x).toBeCloseTo(100, 12);
    expect(y).toBeCloseTo(50, 12);
  });

  it('round-trips, including a rect with an offset', () => {
    const rects: Rect[] = [
      [0, 0, 200, 100],
      [30, 40, 100, 50],
      [17.5, 3, 40, 90],
    ];
    for (const rect of rects) {
      for (const size of [128, 256]) {
        const box = computeLetterbox(rect, size);
        for (const p of [[30, 40], [130, 90], [0, 0], [55.25, 61.75]] as [number, number][]) {
          const back = toImagePoint(toInputPoint(p, box), box);
          expect(Math.abs(back[0] - p[0])).toBeLessThan(1e-9);
          expect(Math.abs(back[1] - p[1])).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('maps an offset rect by hand', () => {
    // Rect at (30, 40), 100×50 into 256: scale 2.56, padY (256 - 128) / 2 = 64.
    const box = computeLetterbox([30, 40, 100, 50], 256);
    const [u, v] = toInputPoint([80, 65], box); // rect centre
    expect(u).toBeCloseTo(0.5, 12);
    expect(v).toBeCloseTo(0.5, 12);
    const [x, y] = toImagePoint([0.25, 0.25], box);
    expect(x).toBeCloseTo(30 + 64 / 2.56, 12); // 55
    expect(y).toBeCloseTo(40, 12); // top of the content
  });

  it('mirrors x about the rect', () => {
    const box = computeLetterbox([30, 40, 100, 50], 256);
    const [x, y] = toImagePoint([0.25, 0.625], box, true);
    expect(x).toBeCloseTo(30 + 100 - 25, 12); // 105
    expect(y).toBeCloseTo(toImagePoint([0.25, 0.625], box)[1], 12);
    // Mirroring the input point (u → 1 - u) is the same as mirroring the output.
    const plain = toImagePoint([0.75, 0.625], box);
    expect(x).toBeCloseTo(plain[0], 12);
  });
});

describe('toLetterboxedNHWC', () => {
  it('writes the normalised colour inside the content area and 0 in the padding', () => {
    // 4×2 into 8: scale 2, padX 0, padY 2 → rows 2..5 are content.
    const img = image(4, 2, () => [51, 102, 255]);
    const box = computeLetterbox([0, 0, 4, 2], 8);
    const t = toLetterboxedNHWC(img, box);
    expect(t).toHaveLength(8 * 8 * 3);
    const colour = [51 / 127.5 - 1, 102 / 127.5 - 1, 255 / 127.5 - 1]; // [-0.6, -0.2, 1]
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const got = pixel(t, 8, x, y);
        const want = y >= 2 && y < 6 ? colour : [0, 0, 0];
        got.forEach((v, c) => expect(v).toBeCloseTo(want[c], 6));
      }
    }
  });

  it('pads left and right for a portrait image', () => {
    const img = image(2, 4, () => [0, 0, 0]);
    const t = toLetterboxedNHWC(img, computeLetterbox([0, 0, 2, 4], 8));
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) expect(pixel(t, 8, x, y)).toEqual(x >= 2 && x < 6 ? [-1, -1, -1] : [0, 0, 0]);
    }
  });

  it('resamples bilinearly at pixel centres', () => {
    // 2×1 black|white into 4: scale 2, padY 1; source x = (x + 0.5) / 2 - 0.5 → -0.25, 0.25, 0.75, 1.25.
    const img = image(2, 1, (x) => (x === 0 ? [0, 0, 0] : [255, 255, 255]));
    const t = toLetterboxedNHWC(img, computeLetterbox([0, 0, 2, 1], 4));
    const row = (y: number) => [0, 1, 2, 3].map((x) => pixel(t, 4, x, y)[0]);
    expect(row(0)).toEqual([0, 0, 0, 0]);
    expect(row(1)).toEqual([-1, -0.5, 0.5, 1]);
    expect(row(2)).toEqual([-1, -0.5, 0.5, 1]);
    expect(row(3)).toEqual([0, 0, 0, 0]);
  });

  it('flips left and right when mirrored', () => {
    // Left half red, right half blue, 4×4 into 4 (scale 1, no padding).
    const img = image(4, 4, (x) => (x < 2 ? [255, 0, 0] : [0, 0, 255]));
    const box = computeLetterbox([0, 0, 4, 4], 4);
    const plain = toLetterboxedNHWC(img, box);
    const mirrored = toLetterboxedNHWC(img, box, true);
    for (let y = 0; y < 4; y++) {
      expect(pixel(plain, 4, 0, y)).toEqual([1, -1, -1]);
      expect(pixel(plain, 4, 3, y)).toEqual([-1, -1, 1]);
      expect(pixel(mirrored, 4, 0, y)).toEqual([-1, -1, 1]);
      expect(pixel(mirrored, 4, 3, y)).toEqual([1, -1, -1]);
      for (let x = 0; x < 4; x++) expect(pixel(mirrored, 4, x, y)).toEqual(pixel(plain, 4, 3 - x, y));
    }
  });

  it('samples only the given rect of the image', () => {
    // 6×2: columns 0–1 white, 2–3 grey 102, 4–5 white; crop the grey middle 2×2 into 2.
    const img = image(6, 2, (x) => (x === 2 || x === 3 ? [102, 102, 102] : [255, 255, 255]));
    const t = toLetterboxedNHWC(img, computeLetterbox([2, 0, 2, 2], 2));
    for (const v of t) expect(v).toBeCloseTo(-0.2, 6);
  });

  it('reuses and clears an output buffer', () => {
    const img = image(4, 2, () => [255, 255, 255]);
    const out = new Float32Array(8 * 8 * 3).fill(7);
    const t = toLetterboxedNHWC(img, computeLetterbox([0, 0, 4, 2], 8), false, out);
    expect(t).toBe(out);
    expect(pixel(t, 8, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(t, 8, 0, 2)).toEqual([1, 1, 1]);
  });
});

describe('fromLetterboxedRgba', () => {
  it('gives the values toLetterboxedNHWC gives for the same pixels, and exactly 0 in the padding whatever the canvas holds there', () => {
    // A 4×2 picture letterboxed into 4 at scale 1: rows 1–2 are content; the canvas holds junk (200) in rows 0 and 3.
    const box = computeLetterbox([0, 0, 4, 2], 4);
    const content = image(4, 2, (x, y) => [10 * x, 20 * y + 5, 255 - x]);
    const canvas = image(4, 4, (x, y) => (y === 0 || y === 3 ? [200, 200, 200] : [10 * x, 20 * (y - 1) + 5, 255 - x]));
    const fromCanvas = fromLetterboxedRgba(canvas.data, box);
    const fromPixels = toLetterboxedNHWC(content, box);
    expect(Array.from(fromCanvas)).toEqual(Array.from(fromPixels));
    for (let x = 0; x < 4; x++) {
      expect(pixel(fromCanvas, 4, x, 0)).toEqual([0, 0, 0]);
      expect(pixel(fromCanvas, 4, x, 3)).toEqual([0, 0, 0]);
    }
  });

  it('keeps a partly covered edge pixel (fractional padding) and rejects a picture of the wrong size', () => {
    // 5×2 into 4: scale 0.8, padY 1.2 → rows 1..2 (floor 1.2, ceil 2.8) are content.
    const box = computeLetterbox([0, 0, 5, 2], 4);
    const t = fromLetterboxedRgba(image(4, 4, () => [255, 255, 255]).data, box);
    expect([0, 1, 2, 3].map((y) => pixel(t, 4, 0, y)[0])).toEqual([0, 1, 1, 0]);
    expect(() => fromLetterboxedRgba(new Uint8ClampedArray(8), box)).toThrow(RangeError);
  });
});

describe('toImageFace', () => {
  // Square 100×100 rect into 100: input coordinates × 100 are image pixels.
  const box = computeLetterbox([0, 0, 100, 100], 100);
  const face: Face = {
    box: [0.1, 0.2, 0.3, 0.4],
    score: 0.8,
    keypoints: [0, 1, 2, 3, 4, 5].map((k) => [0.1 * k + 0.05, 0.5 + 0.01 * k]),
  };

  it('maps box and keypoints to image pixels', () => {
    const f = toImageFace(face, box);
    [10, 20, 30, 40].forEach((v, j) => expect(f.box[j]).toBeCloseTo(v, 12));
    expect(f.score).toBe(0.8);
    f.keypoints.forEach(([x, y], k) => {
      expect(x).toBeCloseTo(10 * k + 5, 12);
      expect(y).toBeCloseTo(50 + k, 12);
    });
  });

  it('mirrors x and swaps eyes (0↔1) and ears (4↔5) when mirrored', () => {
    const f = toImageFace(face, box, true);
    // x from 10..40 mirrors to 60..90.
    [60, 20, 30, 40].forEach((v, j) => expect(f.box[j]).toBeCloseTo(v, 12));
    // Keypoint k on the crop lands at 100 - (10k + 5); slot i holds crop keypoint [1,0,2,3,5,4][i].
    const xs = [85, 95, 75, 65, 45, 55];
    const ys = [51, 50, 52, 53, 55, 54];
    f.keypoints.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(xs[i], 12);
      expect(y).toBeCloseTo(ys[i], 12);
    });
  });

  it('agrees with decoding the mirrored face directly on a padded, offset crop', () => {
    const padded = computeLetterbox([10, 20, 200, 100], 128);
    const mirroredFace: Face = {
      box: [1 - face.box[0] - face.box[2], face.box[1], face.box[2], face.box[3]],
      score: face.score,
      keypoints: [1, 0, 2, 3, 5, 4].map((k) => [1 - face.keypoints[k][0], face.keypoints[k][1]]),
    };
    const a = toImageFace(face, padded, true);
    const b = toImageFace(mirroredFace, padded);
    a.box.forEach((v, j) => expect(v).toBeCloseTo(b.box[j], 9));
    a.keypoints.forEach((p, k) => {
      expect(p[0]).toBeCloseTo(b.keypoints[k][0], 9);
      expect(p[1]).toBeCloseTo(b.keypoints[k][1], 9);
    });
  });
});
