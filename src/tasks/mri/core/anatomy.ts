// Anatomical post-processing of MRI label maps, and the checks that decide whether an input is a cardiac short-axis
// MRI at all. Pure: label maps in (x fastest, then y, z, t), label maps and verdicts out.

const RV = 1;
const MYO = 2;
const LV = 3;

export interface Components {
  /** Component number per pixel (1-based), 0 where the pixel is not the label. */
  ids: Int32Array;
  /** Pixels per component, index = component number (index 0 unused). */
  sizes: number[];
}

/**
 * Flood fill from the pixels already on `stack` (marked by the caller): every 4-neighbour `take(j)` accepts is marked
 * by `mark(j)` and filled in turn. Returns how many pixels were filled. `stack` is a scratch array of nx·ny entries.
 */
function flood(stack: Int32Array, top: number, nx: number, ny: number, take: (j: number) => boolean, mark: (j: number) => void): number {
  let filled = 0;
  while (top > 0) {
    const i = stack[--top];
    filled++;
    const x = i % nx;
    if (x > 0 && take(i - 1)) (mark(i - 1), (stack[top++] = i - 1));
    if (x < nx - 1 && take(i + 1)) (mark(i + 1), (stack[top++] = i + 1));
    if (i >= nx && take(i - nx)) (mark(i - nx), (stack[top++] = i - nx));
    if (i < (ny - 1) * nx && take(i + nx)) (mark(i + nx), (stack[top++] = i + nx));
  }
  return filled;
}

/** 4-connected components of `label` in one slice. */
export function components(slice: ArrayLike<number>, nx: number, ny: number, label: number): Components {
  const ids = new Int32Array(nx * ny);
  const sizes = [0];
  const stack = new Int32Array(nx * ny);
  let id = 0;
  const take = (j: number) => ids[j] === 0 && slice[j] === label;
  const mark = (j: number) => (ids[j] = id);
  for (let start = 0; start < ids.length; start++) {
    if (slice[start] !== label || ids[start] !== 0) continue;
    id = sizes.length;
    ids[start] = id;
    stack[0] = start;
    sizes.push(flood(stack, 1, nx, ny, take, mark));
  }
  return { ids, sizes };
}

/** Per component: how many of its pixels have a 4-neighbour labelled `other`. */
function contacts(slice: ArrayLike<number>, nx: number, ny: number, c: Components, other: number): number[] {
  const counts = new Array<number>(c.sizes.length).fill(0);
  for (let i = 0; i < c.ids.length; i++) {
    const id = c.ids[i];
    if (!id) continue;
    const x = i % nx;
    const y = (i - x) / nx;
    if ((x > 0 && slice[i - 1] === other) || (x < nx - 1 && slice[i + 1] === other) || (y > 0 && slice[i - nx] === other) || (y < ny - 1 && slice[i + nx] === other)) counts[id]++;
  }
  return counts;
}

function centroids(c: Components, nx: number): [number, number][] {
  const sums = c.sizes.map(() => [0, 0] as [number, number]);
  for (let i = 0; i < c.ids.length; i++) {
    const id = c.ids[i];
    if (!id) continue;
    sums[id][0] += i % nx;
    sums[id][1] += Math.floor(i / nx);
  }
  return sums.map(([sx, sy], id) => (c.sizes[id] ? [sx / c.sizes[id], sy / c.sizes[id]] : [NaN, NaN]));
}

/** Sets to background every pixel of `label` outside the kept components. */
function keepOnly(slice: Uint8Array, label: number, c: Components, keep: Set<number>): void {
  const kept = new Uint8Array(c.sizes.length);
  for (const id of keep) kept[id] = 1;
  for (let i = 0; i < slice.length; i++) if (slice[i] === label && !kept[c.ids[i]]) slice[i] = 0;
}

/** Background pixels enclosed by the heart (LV, MYO) that the border cannot reach: holes in the blood pool → LV. */
function fillHoles(slice: Uint8Array, nx: number, ny: number): void {
  const outside = new Uint8Array(slice.length);
  const stack = new Int32Array(slice.length);
  let top = 0;
  const open = (i: number) => slice[i] !== LV && slice[i] !== MYO;
  const seed = (i: number) => {
    if (open(i) && !outside[i]) (outside[i] = 1), (stack[top++] = i);
  };
  for (let x = 0; x < nx; x++) (seed(x), seed((ny - 1) * nx + x));
  for (let y = 0; y < ny; y++) (seed(y * nx), seed(y * nx + nx - 1));
  flood(stack, top, nx, ny, (j) => !outside[j] && open(j), (j) => (outside[j] = 1));
  for (let i = 0; i < slice.length; i++) if (!outside[i] && slice[i] !== LV && slice[i] !== MYO) slice[i] = LV;
}

/** How much a pool looks like the LV: mostly how much of it is ringed by myocardium, then its size. */
function poolScore(ringContacts: number, size: number): number {
  return ringContacts * 4 + size;
}

export interface CleanOptions {
  /** Where the heart is (source pixels, e.g. the LV centre over the whole volume): the LV pool nearest to it is kept. */
  centre?: [number, number];
  /** LV pools further than this from `centre` are not the heart (source pixels). */
  maxDistance?: number;
  /** Components smaller than this are specks (pixels). */
  minPixels?: number;
}

/**
 * One slice's labels, cleaned like an anatomist would: one LV blood pool (the one inside the myocardial ring, nearest
 * the heart centre), holes in it filled, the myocardium that touches it, the RV that lies against that myocardium
 * (the septum), and no specks. Returns a new label map.
 */
export function cleanSlice(labels: ArrayLike<number>, nx: number, ny: number, options: CleanOptions = {}): Uint8Array {
  // Work on the labels' bounding box with one pixel of background around it (the image edge where it touches): the
  // same components, in the same order, and the same holes (the margin ring joins every way out of the box), on a
  // fraction of the pixels. Nothing outside it is labelled.
  let [x0, y0, x1, y1] = [nx, ny, -1, -1];
  for (let y = 0, i = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++, i++) {
      if (!labels[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  const out = new Uint8Array(nx * ny);
  if (x1 < 0) return out;
  [x0, y0, x1, y1] = [Math.max(0, x0 - 1), Math.max(0, y0 - 1), Math.min(nx - 1, x1 + 1), Math.min(ny - 1, y1 + 1)];
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const box = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) box[y * w + x] = labels[(y + y0) * nx + x + x0];
  const centre = options.centre && ([options.centre[0] - x0, options.centre[1] - y0] as [number, number]);
  const cleaned = cleanBox(box, w, h, { ...options, centre });
  for (let y = 0; y < h; y++) out.set(cleaned.subarray(y * w, (y + 1) * w), (y + y0) * nx + x0);
  return out;
}

function cleanBox(slice: Uint8Array, nx: number, ny: number, { centre, maxDistance = Infinity, minPixels = 1 }: CleanOptions): Uint8Array {
  // LV: the pool with the most myocardium around it, among those near the heart centre.
  const lv = components(slice, nx, ny, LV);
  const lvMyo = contacts(slice, nx, ny, lv, MYO);
  const lvAt = centroids(lv, nx);
  let bestLv = 0;
  let bestScore = -Infinity;
  for (let id = 1; id < lv.sizes.length; id++) {
    if (lv.sizes[id] < minPixels) continue;
    const d = centre ? Math.hypot(lvAt[id][0] - centre[0], lvAt[id][1] - centre[1]) : 0;
    if (d > maxDistance) continue;
    const score = poolScore(lvMyo[id], lv.sizes[id]) - d; // then nearness to the centre
    if (score > bestScore) {
      bestScore = score;
      bestLv = id;
    }
  }
  keepOnly(slice, LV, lv, new Set(bestLv ? [bestLv] : []));

  // MYO: the parts that touch the kept pool; without a pool (apex, base), the largest part near the centre.
  const myo = components(slice, nx, ny, MYO);
  const myoLv = contacts(slice, nx, ny, myo, LV);
  const myoAt = centroids(myo, nx);
  const keepMyo = new Set<number>();
  if (bestLv) {
    for (let id = 1; id < myo.sizes.length; id++) if (myoLv[id] > 0 && myo.sizes[id] >= minPixels) keepMyo.add(id);
  } else {
    let largest = 0;
    for (let id = 1; id < myo.sizes.length; id++) {
      const near = !centre || Math.hypot(myoAt[id][0] - centre[0], myoAt[id][1] - centre[1]) <= maxDistance;
      if (near && myo.sizes[id] >= minPixels && myo.sizes[id] > (myo.sizes[largest] ?? 0)) largest = id;
    }
    if (largest) keepMyo.add(largest);
  }
  keepOnly(slice, MYO, myo, keepMyo);
  if (bestLv) fillHoles(slice, nx, ny);

  // RV: the largest part lying against the kept myocardium (the septum); none when there is no myocardium.
  const rv = components(slice, nx, ny, RV);
  const rvMyo = contacts(slice, nx, ny, rv, MYO);
  let bestRv = 0;
  for (let id = 1; id < rv.sizes.length; id++) if (rvMyo[id] > 0 && rv.sizes[id] >= minPixels && rv.sizes[id] > (rv.sizes[bestRv] ?? 0)) bestRv = id;
  keepOnly(slice, RV, rv, new Set(bestRv ? [bestRv] : []));
  return slice;
}

/** The heart's centre in source pixels: the median over slices of the centroid of each slice's best-ringed LV pool. */
export function heartCentre(labels: Uint8Array, dims: readonly number[]): [number, number] | undefined {
  const [nx, ny, nz, nt] = dims;
  const plane = nx * ny;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let s = 0; s < nz * nt; s++) {
    const slice = labels.subarray(s * plane, (s + 1) * plane);
    const lv = components(slice, nx, ny, LV);
    if (lv.sizes.length < 2) continue;
    const ring = contacts(slice, nx, ny, lv, MYO);
    let best = 1;
    for (let id = 2; id < lv.sizes.length; id++) if (poolScore(ring[id], lv.sizes[id]) > poolScore(ring[best], lv.sizes[best])) best = id;
    const [cx, cy] = centroids(lv, nx)[best];
    xs.push(cx);
    ys.push(cy);
  }
  if (!xs.length) return undefined;
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return [median(xs), median(ys)];
}

/** How far (mm) an LV pool may lie from the heart centre and still be the heart; specks below this area (mm²) go. */
export const MAX_LV_OFFSET_MM = 40;
export const SPECK_MM2 = 20;

/** The whole volume cleaned slice by slice around one heart centre (see `cleanSlice`). Returns new labels. */
export function cleanVolume(labels: Uint8Array, dims: readonly number[], spacingMm: readonly number[]): Uint8Array {
  const [nx, ny, nz, nt] = dims;
  const plane = nx * ny;
  const centre = heartCentre(labels, dims);
  const pixelMm = Math.sqrt(spacingMm[0] * spacingMm[1]);
  const options: CleanOptions = { centre, maxDistance: MAX_LV_OFFSET_MM / pixelMm, minPixels: Math.max(1, Math.round(SPECK_MM2 / (spacingMm[0] * spacingMm[1]))) };
  const out = new Uint8Array(labels.length);
  for (let s = 0; s < nz * nt; s++) out.set(cleanSlice(labels.subarray(s * plane, (s + 1) * plane), nx, ny, options), s * plane);
  return out;
}

/** Why an input is not a cardiac short-axis MRI, for the user and for `infer mri --json` (`rejected`). */
export interface Rejection {
  code: 'NOT_MR' | 'FIELD_OF_VIEW' | 'PIXEL_SIZE' | 'NO_HEART' | 'NOT_A_HEART';
  reason: string;
}

/** Plausible short-axis cardiac acquisitions: in-plane field of view and pixel size (mm). */
export const CARDIAC_FOV_MM: [number, number] = [180, 500];
export const CARDIAC_PIXEL_MM: [number, number] = [0.5, 3.5];

/**
 * Rules on the input alone: a DICOM that is not MR, and (where the file gives a real pixel size) a field of view or
 * pixel size no cardiac short-axis series has. Image slices carry no pixel size, so only the modality rule and the
 * model-based check apply to them.
 */
export function checkInput(volume: { dims: readonly number[]; spacingMm: readonly number[]; source: { format: string; modality?: string } }): Rejection | undefined {
  const { modality, format } = volume.source;
  if (modality && modality !== 'MR') return { code: 'NOT_MR', reason: `this is a DICOM ${modality} series, not MR: the MRI model reads cardiac MRI only` };
  if (format === 'image') return undefined;
  const [nx, ny] = volume.dims;
  const [dx, dy] = volume.spacingMm;
  const fov = Math.max(nx * dx, ny * dy);
  if (fov < CARDIAC_FOV_MM[0] || fov > CARDIAC_FOV_MM[1]) {
    return { code: 'FIELD_OF_VIEW', reason: `its field of view is ${Math.round(nx * dx)} × ${Math.round(ny * dy)} mm; a cardiac short-axis MRI covers the chest, about ${CARDIAC_FOV_MM[0]}–${CARDIAC_FOV_MM[1]} mm` };
  }
  const pixel = Math.max(dx, dy);
  if (Math.min(dx, dy) < CARDIAC_PIXEL_MM[0] || pixel > CARDIAC_PIXEL_MM[1]) {
    return { code: 'PIXEL_SIZE', reason: `its pixels are ${dx.toFixed(2)} × ${dy.toFixed(2)} mm; cardiac cine MRI uses ${CARDIAC_PIXEL_MM[0]}–${CARDIAC_PIXEL_MM[1]} mm` };
  }
  return undefined;
}

export interface HeartScore {
  /** Slices of the checked frame where the model found an LV pool of at least `minPoolMm2`. */
  slicesWithPool: number;
  /** Of those, the share where most of the pool's rim is myocardium (one pool inside one ring). */
  ringed: number;
  /** The largest share of a slice the labels cover. */
  maxCover: number;
  /** Share of the labelled pixels that the anatomical clean-up had to remove. */
  removed: number;
}

/** A pool smaller than this is not counted as the LV (mm²). */
export const MIN_POOL_MM2 = 80;
/** A pool counts as ringed when at least this share of its rim touches myocardium. */
export const RING_RIM = 0.5;

/** Topology over the frame with the most LV (end-diastole): is there one LV pool inside one myocardial ring? */
export function scoreHeart(raw: Uint8Array, cleaned: Uint8Array, dims: readonly number[], spacingMm: readonly number[]): HeartScore {
  const [nx, ny, nz, nt] = dims;
  const plane = nx * ny;
  const pixelMm2 = spacingMm[0] * spacingMm[1];
  let frame = 0;
  let mostLv = -1;
  for (let t = 0; t < nt; t++) {
    let n = 0;
    for (let i = t * nz * plane; i < (t + 1) * nz * plane; i++) if (cleaned[i] === LV) n++;
    if (n > mostLv) (mostLv = n), (frame = t);
  }
  let slicesWithPool = 0;
  let ringedSlices = 0;
  let maxCover = 0;
  for (let z = 0; z < nz; z++) {
    const off = (frame * nz + z) * plane;
    const slice = cleaned.subarray(off, off + plane);
    let pool = 0;
    let rim = 0;
    let rimMyo = 0;
    let labelled = 0;
    for (let i = 0; i < plane; i++) {
      const rawLabel = raw[off + i];
      if (rawLabel) labelled++;
      if (slice[i] !== LV) continue;
      pool++;
      const x = i % nx;
      const y = (i - x) / nx;
      const around = [x > 0 ? slice[i - 1] : 0, x < nx - 1 ? slice[i + 1] : 0, y > 0 ? slice[i - nx] : 0, y < ny - 1 ? slice[i + nx] : 0];
      if (around.some((l) => l !== LV)) {
        rim++;
        if (around.some((l) => l === MYO)) rimMyo++;
      }
    }
    maxCover = Math.max(maxCover, labelled / plane);
    if (pool * pixelMm2 < MIN_POOL_MM2) continue;
    slicesWithPool++;
    if (rim > 0 && rimMyo / rim >= RING_RIM) ringedSlices++;
  }
  let rawCount = 0;
  let kept = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]) rawCount++;
    if (raw[i] && cleaned[i] === raw[i]) kept++;
  }
  return { slicesWithPool, ringed: slicesWithPool ? ringedSlices / slicesWithPool : 0, maxCover, removed: rawCount ? 1 - kept / rawCount : 0 };
}

/**
 * Thresholds of the model-based check, chosen on data (`scripts/mri-refusal.ts` → `bench/results/mri-refusal.json`:
 * real Sunnybrook slices and the phantom cine must pass, brain and small non-cardiac MRI must not). How much the
 * clean-up removes is reported but not judged: on real slices it removes false pools and raises the LV Dice.
 */
export const MIN_RINGED = 0.5;
export const MAX_COVER = 0.45;

/** The model-based verdict: refuse when the labels do not form a heart. */
export function judgeHeart(score: HeartScore): Rejection | undefined {
  if (score.slicesWithPool === 0) return { code: 'NO_HEART', reason: 'the model found no left-ventricular blood pool in any slice: either this is not a cardiac short-axis MRI, or its slices miss the ventricles (apex, atria)' };
  if (score.maxCover > MAX_COVER) return { code: 'NOT_A_HEART', reason: `the model labelled ${Math.round(score.maxCover * 100)} % of a slice as heart; in a short-axis MRI the heart covers far less` };
  if (score.ringed < MIN_RINGED) return { code: 'NOT_A_HEART', reason: `only ${Math.round(score.ringed * 100)} % of the slices show a blood pool inside a myocardial ring (a heart shows it in most mid-ventricular slices)` };
  return undefined;
}
