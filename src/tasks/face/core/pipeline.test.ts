import { describe, expect, it } from 'vitest';
import { planViews } from './accurate';
import { VALUES_PER_ANCHOR, sigmoid } from './decode';
import { computeLetterbox, toInputPoint, type Rect } from './letterbox';
import { FACE_MODELS, anchorsFor, type FaceModelId } from './models';
import { MIN_VOTES, NMS_IOU, VOTE_IOU, detectFaces, rgbaFrame, type FaceFrame, type RunFaceModel } from './pipeline';
import type { Face, Point } from './types';

function image(width: number, height: number, colour: (x: number, y: number) => number = () => 128): FaceFrame {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colour(x, y);
      data.set([c, c, c, 255], (y * width + x) * 4);
    }
  }
  return rgbaFrame({ data, width, height });
}

interface RawFace {
  anchor: number;
  logit: number;
  /** Regressors in input pixels relative to the anchor: dx, dy, w, h, then 6 keypoint (dx, dy). */
  values: number[];
}

function rawOutput(model: FaceModelId, faces: RawFace[]) {
  const n = anchorsFor(model).length / 2;
  const logits = new Float32Array(n).fill(-10);
  const regressors = new Float32Array(n * VALUES_PER_ANCHOR);
  for (const f of faces) {
    logits[f.anchor] = f.logit;
    regressors.set(f.values, f.anchor * VALUES_PER_ANCHOR);
  }
  return { logits, regressors };
}

/** Encodes a face given in normalised input coordinates as the regressors of anchor `anchor`. */
function encode(model: FaceModelId, face: Face, anchor: number, logit: number): RawFace {
  const s = FACE_MODELS[model].inputSize;
  const anchors = anchorsFor(model);
  const ax = anchors[2 * anchor];
  const ay = anchors[2 * anchor + 1];
  const [x, y, w, h] = face.box;
  const values = [(x + w / 2 - ax) * s, (y + h / 2 - ay) * s, w * s, h * s];
  for (const [kx, ky] of face.keypoints) values.push((kx - ax) * s, (ky - ay) * s);
  return { anchor, logit, values };
}

/** Where a face given in image pixels appears in the (possibly mirrored) letterboxed input of `rect`. */
function toInputFace(face: Face, rect: Rect, model: FaceModelId, mirror: boolean): Face {
  const box = computeLetterbox(rect, FACE_MODELS[model].inputSize);
  const [x, y, w, h] = face.box;
  const [u0, v0] = toInputPoint([x, y], box);
  const [u1, v1] = toInputPoint([x + w, y + h], box);
  const order = mirror ? [1, 0, 2, 3, 5, 4] : [0, 1, 2, 3, 4, 5];
  const keypoints = order.map((k): Point => {
    const [u, v] = toInputPoint(face.keypoints[k], box);
    return [mirror ? 1 - u : u, v];
  });
  return { box: [mirror ? 1 - u1 : u0, v0, u1 - u0, v1 - v0], score: face.score, keypoints };
}

const expectFaceClose = (got: Face, want: Face, digits: number) => {
  got.box.forEach((v, j) => expect(v).toBeCloseTo(want.box[j], digits));
  expect(got.keypoints).toHaveLength(want.keypoints.length);
  got.keypoints.forEach(([x, y], k) => {
    expect(x).toBeCloseTo(want.keypoints[k][0], digits);
    expect(y).toBeCloseTo(want.keypoints[k][1], digits);
  });
};

describe('constants', () => {
  it('match MediaPipe and the voting recipe', () => {
    expect(NMS_IOU).toBe(0.3);
    expect(VOTE_IOU).toBe(0.4);
    expect(MIN_VOTES).toBe(3);
  });
});

describe('detectFaces (single pass)', () => {
  // Anchor 234 sits at (5.5/16, 7.5/16) of the input = (44, 60) px of 128, (88, 120) px of 256.
  const strong: RawFace = {
    anchor: 234,
    logit: 2,
    values: [8, -4, 32, 16, ...[0, 1, 2, 3, 4, 5].flatMap((k) => [2 * k - 6, k - 2])],
  };

  it('maps one strong anchor back to image pixels through the letterbox padding (short range)', async () => {
    // 200×100 into 128: scale 0.64, padY 32.
    const calls: { model: FaceModelId; input: Float32Array }[] = [];
    const run: RunFaceModel = async (model, input) => {
      calls.push({ model, input });
      return rawOutput(model, [strong]);
    };
    const result = await detectFaces(image(200, 100), run, { model: 'blazeface-short', scoreThreshold: 0.5 });
    expect(result.passes).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0].model).toBe('blazeface-short');
    expect(calls[0].input).toHaveLength(128 * 128 * 3);
    expect(calls[0].input[0]).toBe(0); // padding row
    expect(calls[0].input[64 * 128 * 3]).toBeCloseTo(128 / 127.5 - 1, 6); // content
    expect(result.faces).toHaveLength(1);
    const [face] = result.faces;
    expect(face.score).toBeCloseTo(sigmoid(2), 6);
    // Input box: centre (52, 56), 32×16 → [36, 48, 32, 16] px → image [36/0.64, (48-32)/0.64, 32/0.64, 16/0.64].
    const keypoints = [0, 1, 2, 3, 4, 5].map((k): Point => [(38 + 2 * k) / 0.64, (58 + k - 32) / 0.64]);
    expectFaceClose(face, { box: [56.25, 25, 50, 25], score: 0, keypoints }, 9);
    expect(keypoints[0]).toEqual([59.375, 40.625]);
    for (const v of Object.values(result.times)) {
      expect(typeof v).toBe('number');
      expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it('uses the chosen model, its input size and anchors (full range)', async () => {
    const models: FaceModelId[] = [];
    const run: RunFaceModel = async (model, input) => {
      models.push(model);
      expect(input).toHaveLength(256 * 256 * 3);
      return rawOutput(model, [strong]);
    };
    const { faces } = await detectFaces(image(200, 100), run, { model: 'blazeface-full', scoreThreshold: 0.5 });
    expect(models).toEqual(['blazeface-full']);
    // 200×100 into 256: scale 1.28, padY 64. Input box: centre (96, 116), 32×16 → [80, 108, 32, 16].
    expect(faces).toHaveLength(1);
    [62.5, 34.375, 25, 12.5].forEach((v, j) => expect(faces[0].box[j]).toBeCloseTo(v, 9));
  });

  it('blends overlapping anchors (weighted NMS) and keeps separate faces, best first', async () => {
    const shifted: RawFace = { ...strong, anchor: 235, logit: 0, values: [12, ...strong.values.slice(1)] };
    const far: RawFace = { ...strong, anchor: 895, logit: 3 }; // bottom-right 8×8 cell, centre (120, 120) px
    const run: RunFaceModel = async (model) => rawOutput(model, [strong, shifted, far]);
    const { faces } = await detectFaces(image(128, 128), run, { model: 'blazeface-short', scoreThreshold: 0.5 });
    expect(faces.map((f) => f.score)).toEqual([sigmoid(3), sigmoid(2)].map((s) => expect.closeTo(s, 6)));
    // 128×128: scale 1, no padding. Box x 36 (weight s2) and 40 (weight s0 = 0.5) blend.
    const s2 = sigmoid(2);
    expect(faces[1].box[0]).toBeCloseTo((36 * s2 + 40 * 0.5) / (s2 + 0.5), 4);
    expect(faces[1].box[1]).toBeCloseTo(48, 4);
    [112, 108, 32, 16].forEach((v, j) => expect(faces[0].box[j]).toBeCloseTo(v, 4));
  });

  it('applies the score threshold', async () => {
    const run: RunFaceModel = async (model) => rawOutput(model, [strong]);
    expect((await detectFaces(image(200, 100), run, { model: 'blazeface-short', scoreThreshold: 0.9 })).faces).toEqual([]);
  });

  it('accounts each stage with the injected clock', async () => {
    let tick = 0;
    const now = () => tick++;
    const run: RunFaceModel = async (model) => rawOutput(model, [strong]);
    const { times } = await detectFaces(image(20, 10), run, { model: 'blazeface-short', scoreThreshold: 0.5 }, now);
    expect(times).toEqual({ preMs: 1, inferMs: 1, postMs: 2 });
  });

  it('rejects an empty image', async () => {
    const run: RunFaceModel = async (model) => rawOutput(model, []);
    await expect(detectFaces(image(0, 10), run, { model: 'blazeface-short', scoreThreshold: 0.5 })).rejects.toMatchObject({ name: 'CORRUPT_IMAGE' });
  });
});

describe('detectFaces (accurate)', () => {
  it('runs once per planned view, in plan order', async () => {
    const models: FaceModelId[] = [];
    const sizes: number[] = [];
    const run: RunFaceModel = async (model, input) => {
      models.push(model);
      sizes.push(input.length);
      return rawOutput(model, []);
    };
    let tick = 0;
    const result = await detectFaces(image(512, 512), run, { model: 'blazeface-short', accurate: true, scoreThreshold: 0.5 }, () => tick++);
    const views = planViews(512, 512);
    expect(views).toHaveLength(54);
    expect(result.passes).toBe(54);
    expect(models).toEqual(views.map((v) => v.model));
    expect(sizes).toEqual(views.map((v) => FACE_MODELS[v.model].inputSize ** 2 * 3));
    expect(result.faces).toEqual([]);
    expect(result.times).toEqual({ preMs: 54, inferMs: 54, postMs: 55 });
  });

  describe('voting on a 60×40 image (whole-image views only: short, short mirrored, full, full mirrored)', () => {
    // Left half black, right half white, so a fake model can tell mirrored inputs apart.
    const img = image(60, 40, (x) => (x < 30 ? 0 : 255));
    const rect: Rect = [0, 0, 60, 40];
    const target: Face = {
      box: [20, 10, 16, 16],
      score: 0,
      keypoints: [
        [24, 15],
        [32, 15],
        [28, 19],
        [28, 23],
        [21, 16],
        [35, 16],
      ],
    };
    const isMirrored = (model: FaceModelId, input: Float32Array) => {
      const s = FACE_MODELS[model].inputSize;
      return input[(s / 2) * s * 3] > 0; // first pixel of the middle row: white only when mirrored
    };
    /** A fake that sees `target` (with logit by model) in the views `sees` accepts. */
    const fake =
      (sees: (model: FaceModelId, mirror: boolean) => boolean, calls: string[] = []): RunFaceModel =>
      async (model, input) => {
        const mirror = isMirrored(model, input);
        calls.push(`${model}${mirror ? ' mirrored' : ''}`);
        if (!sees(model, mirror)) return rawOutput(model, []);
        const logit = model === 'blazeface-short' ? 1 : mirror ? 3 : 2;
        return rawOutput(model, [encode(model, toInputFace(target, rect, model, mirror), 600, logit)]);
      };
    const options = { model: 'blazeface-short', accurate: true, scoreThreshold: 0.5 } as const;

    it('sees the mirrored views as mirrored', async () => {
      const calls: string[] = [];
      await detectFaces(img, fake(() => false, calls), options);
      expect(calls).toEqual(['blazeface-short', 'blazeface-short mirrored', 'blazeface-full', 'blazeface-full mirrored']);
    });

    it('keeps a face all four views vote for, mapped back to its image box and keypoints', async () => {
      const { faces, passes } = await detectFaces(img, fake(() => true), options);
      expect(passes).toBe(4);
      expect(faces).toHaveLength(1);
      expect(faces[0].score).toBeCloseTo(sigmoid(3), 6);
      expectFaceClose(faces[0], target, 3);
    });

    it('drops a face only the two mirrored views see (2 < 3 votes)', async () => {
      const { faces } = await detectFaces(img, fake((_, mirror) => mirror), options);
      expect(faces).toEqual([]);
    });

    it('keeps it once a third view agrees', async () => {
      const { faces } = await detectFaces(img, fake((model, mirror) => mirror || model === 'blazeface-short'), options);
      expect(faces).toHaveLength(1);
      expectFaceClose(faces[0], target, 3);
    });

    it('maps the face back in a single full-range pass', async () => {
      // Non-accurate mode never mirrors, so the fake sees the face unmirrored.
      const { faces } = await detectFaces(img, fake(() => true), { model: 'blazeface-full', scoreThreshold: 0.5 });
      expect(faces).toHaveLength(1);
      expectFaceClose(faces[0], target, 3);
    });
  });

  it('fuses a face seen by every view that contains it on a 512×512 image', async () => {
    const target: Face = { box: [200, 200, 40, 40], score: 0, keypoints: Array.from({ length: 6 }, (_, k): Point => [205 + 5 * k, 215]) };
    const views = planViews(512, 512);
    let call = 0;
    let votes = 0;
    const run: RunFaceModel = async (model) => {
      const view = views[call++];
      const [x, y, w, h] = view.rect;
      const inside = x + 2 <= 200 && y + 2 <= 200 && 240 <= x + w - 2 && 240 <= y + h - 2;
      if (!inside) return rawOutput(model, []);
      votes++;
      return rawOutput(model, [encode(model, toInputFace(target, view.rect, model, view.mirror), 700, 2)]);
    };
    const { faces } = await detectFaces(image(512, 512), run, { model: 'blazeface-full', accurate: true, scoreThreshold: 0.5 });
    // 4 whole-image views, 4 level-2 tiles (x, y ∈ {0, 128}) and 1 level-3 tile (114, 114), each plain and mirrored.
    expect(votes).toBe(4 + 2 * 4 + 2 * 1);
    expect(faces).toHaveLength(1);
    expectFaceClose(faces[0], target, 3);
  });
});
