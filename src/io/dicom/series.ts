/**
 * DICOM files → one `Volume`, in five steps: pick the series (the one with the most images), check that its images
 * form one volume, order frames into slices (and cine time points), derive spacing and the RAS affine, decode the
 * pixels. Pure.
 */
import { LoupeError } from '../../errors';
import { affineFromColumns, cross, dot, norm, scalingAffine, type Vec3 } from '../geometry';
import type { Volume } from '../volume';
import { checkDecodable, decodeFrame } from './decode';
import {
  T,
  attributeTags,
  brokenError,
  classify,
  errorText,
  fg,
  isDicom,
  item,
  num,
  nums,
  parse,
  type Classified,
  type DicomFile,
  type ImageFile,
} from './parse';

/** One 2D frame of one file, with whatever geometry and timing it carries. */
interface Frame {
  img: ImageFile;
  index: number;
  order: number;
  position?: Vec3;
  orientation?: number[];
  spacing?: [number, number];
  sliceThickness?: number;
  spacingBetween?: number;
  trigger?: number;
  slope: number;
  intercept: number;
  /** A frame of a cine multi-frame file: without patient geometry, all such frames of one file form one slice. */
  cine?: boolean;
}


// ---------------------------------------------------------------------------------------------------------------
// Frames and geometry

function framesOf(img: ImageFile, order: number, notes: Set<string>): Frame[] {
  const ds = img.ds;
  const shared = item(ds, T.sharedGroups);
  const perFrame = ds.elements[T.perFrameGroups]?.items;
  const ipp = nums(ds, T.imagePosition, 3) as Vec3 | undefined;
  const iop = nums(ds, T.imageOrientation, 6);
  const spacing = (nums(ds, T.pixelSpacing, 2) ?? nums(ds, T.imagerPixelSpacing, 2)) as [number, number] | undefined;
  let slope = num(ds, T.rescaleSlope);
  let intercept = num(ds, T.rescaleIntercept) ?? 0;
  if (slope === undefined) {
    const dose = img.modality === 'RTDOSE' ? num(ds, T.doseGridScaling) : undefined;
    if (dose !== undefined) notes.add('RT dose grid scaled to Gy by DoseGridScaling');
    slope = dose ?? 1;
  }
  if (slope === 0) slope = 1;
  const base = {
    img,
    order,
    orientation: iop,
    spacing,
    sliceThickness: num(ds, T.sliceThickness),
    spacingBetween: num(ds, T.spacingBetweenSlices),
    trigger: num(ds, T.triggerTime),
    slope,
    intercept,
  };
  if (img.frames === 1) return [{ ...base, index: 0, position: ipp }];

  const frames: Frame[] = [];
  if (perFrame || shared) {
    // Enhanced multi-frame: geometry, rescale and timing per frame in functional groups.
    for (let f = 0; f < img.frames; f++) {
      const pf = perFrame?.[f]?.dataSet;
      const pos = fg(pf, shared, T.planePositionSeq, (d) => nums(d, T.imagePosition, 3)) as Vec3 | undefined;
      const ori = fg(pf, shared, T.planeOrientationSeq, (d) => nums(d, T.imageOrientation, 6));
      const px = fg(pf, shared, T.pixelMeasuresSeq, (d) => nums(d, T.pixelSpacing, 2)) as [number, number] | undefined;
      const thick = fg(pf, shared, T.pixelMeasuresSeq, (d) => num(d, T.sliceThickness));
      const between = fg(pf, shared, T.pixelMeasuresSeq, (d) => num(d, T.spacingBetweenSlices));
      const fs = fg(pf, shared, T.pixelValueTransformSeq, (d) => num(d, T.rescaleSlope));
      const fi = fg(pf, shared, T.pixelValueTransformSeq, (d) => num(d, T.rescaleIntercept));
      const trig =
        fg(pf, shared, T.cardiacSyncSeq, (d) => num(d, T.nominalTriggerDelay)) ??
        fg(pf, shared, T.frameContentSeq, (d) => d.uint32(T.temporalPositionIndex));
      frames.push({
        ...base,
        index: f,
        position: pos ?? ipp,
        orientation: ori ?? iop,
        spacing: px ?? spacing,
        sliceThickness: thick ?? base.sliceThickness,
        spacingBetween: between ?? base.spacingBetween,
        slope: fs !== undefined && fs !== 0 ? fs : slope,
        intercept: fi ?? intercept,
        trigger: trig ?? base.trigger,
      });
    }
    if (frames.every((f) => f.position)) return frames;
    // No plane positions: fall back to the classic multi-frame rules below.
    frames.length = 0;
  }

  const normal = iop && unitNormal(iop);
  const offsets = nums(ds, T.gridFrameOffsetVector, img.frames);
  const pointers = attributeTags(ds, T.frameIncrementPointer);
  const timePointer = pointers.some((t) => t === T.frameTime || t === T.frameTimeVector || t === T.triggerTime);
  if (offsets && ipp && normal) {
    // RT dose style: frame k lies at IPP + (offset_k − offset_0) · normal.
    for (let f = 0; f < img.frames; f++) {
      const d = offsets[f] - offsets[0];
      frames.push({ ...base, index: f, position: [ipp[0] + d * normal[0], ipp[1] + d * normal[1], ipp[2] + d * normal[2]] });
    }
  } else if (timePointer) {
    // Cine multi-frame (ultrasound, XA, MR cine in one file): every frame at the same place, in time order.
    const frameTime = num(ds, T.frameTime) ?? 1;
    for (let f = 0; f < img.frames; f++) frames.push({ ...base, index: f, position: ipp, trigger: f * frameTime, cine: true });
  } else {
    // Frames are slices without their own positions (e.g. NM): stack them along the normal.
    const dz = base.spacingBetween ?? base.sliceThickness;
    notes.add(
      dz
        ? `multi-frame file without per-frame positions: frames stacked as slices ${dz} mm apart (${base.spacingBetween ? 'SpacingBetweenSlices' : 'SliceThickness'})`
        : 'multi-frame file without per-frame positions or slice spacing: frames stacked as slices 1 mm apart',
    );
    for (let f = 0; f < img.frames; f++) {
      const d = f * (dz ?? 1);
      const n = normal ?? [0, 0, 1];
      const p0 = ipp ?? [0, 0, 0];
      frames.push({ ...base, index: f, position: [p0[0] + d * n[0], p0[1] + d * n[1], p0[2] + d * n[2]] });
    }
  }
  return frames;
}

function unitNormal(iop: number[]): Vec3 | undefined {
  const n = cross(iop.slice(0, 3), iop.slice(3, 6));
  const l = norm(n);
  return l > 1e-6 ? [n[0] / l, n[1] / l, n[2] / l] : undefined;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Ascending, missing values last. */
const cmp = (a: number | undefined, b: number | undefined) => (a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a - b);

const byTime = (a: Frame, b: Frame) =>
  cmp(a.trigger, b.trigger) || cmp(a.img.instance, b.img.instance) || a.order - b.order || a.index - b.index;

// ---------------------------------------------------------------------------------------------------------------
// Series assembly

/**
 * Reads one DICOM file (single- or multi-frame) or the files of a folder into a Volume. Several series: the one
 * with the most images wins (the others are named in source.note). Non-DICOM files in a folder are skipped.
 */
export function readDicomSeries(files: DicomFile[]): Volume {
  try {
    return readSeries(files);
  } catch (e) {
    if (e instanceof LoupeError || (e instanceof RangeError && /allocation|memory/i.test(e.message))) throw e;
    // Anything else is a data set this reader did not anticipate: report it as damaged, not as a crash.
    const what = files.length === 1 ? files[0].name : `${files.length} files`;
    throw new LoupeError('CORRUPT_VOLUME', `${what}: could not read the DICOM data (${errorText(e)})`);
  }
}

/** Notes (what was skipped, assumed or inverted) are collected in the order the steps add them. */
function readSeries(files: DicomFile[]): Volume {
  if (files.length === 0) throw new LoupeError('UNSUPPORTED_FILE', 'no DICOM files were given');
  const notes = new Set<string>();
  const { chosen, broken } = pickSeries(files, notes);
  checkSeries(chosen, broken, notes);
  const frames = chosen.flatMap((img, i) => framesOf(img, i, notes));
  checkFrames(frames);
  const order = orderSlices(frames, notes);
  const { spacingMm, affine } = geometryOf(frames[0], order, notes);
  const first = chosen[0];
  const data = readPixels(first, order.slices, notes);
  const modality = first.modality;
  return {
    data,
    dims: [first.cols, first.rows, order.slices.length, order.slices[0].length],
    spacingMm,
    affine,
    source: {
      format: 'dicom',
      name: seriesName(files),
      ...(modality ? { modality } : {}),
      ...(notes.size ? { note: [...notes].join('; ') } : {}),
    },
  };
}

type Broken = Extract<Classified, { kind: 'broken' }>;

/** The given files sorted by what they are. */
interface SortedFiles {
  images: ImageFile[];
  notDicom: string[];
  others: { name: string; what: string }[];
  broken: Broken[];
}

function sortFiles(files: DicomFile[]): SortedFiles {
  const sorted: SortedFiles = { images: [], notDicom: [], others: [], broken: [] };
  for (const file of files) {
    if (!isDicom(file.bytes)) {
      sorted.notDicom.push(file.name);
      continue;
    }
    const c = classify(file, parse(file));
    if (c.kind === 'image') sorted.images.push(c.img);
    else if (c.kind === 'broken') sorted.broken.push(c);
    else sorted.others.push({ name: file.name, what: c.what });
  }
  return sorted;
}

/** Step 1: the images of the series with the most images, and the damaged files (fatal only if in that series). */
function pickSeries(files: DicomFile[], notes: Set<string>): { chosen: ImageFile[]; broken: Broken[] } {
  const { images, notDicom, others, broken } = sortFiles(files);
  // A damaged file is fatal when it is the only file or belongs to the series being read; otherwise it is skipped.
  if (files.length === 1 && broken.length === 1) throw brokenError(broken[0].file, broken[0].parsed);
  if (images.length === 0 && broken.length > 0) throw brokenError(broken[0].file, broken[0].parsed);
  if (images.length === 0) {
    if (files.length === 1 && notDicom.length === 1)
      throw new LoupeError('UNSUPPORTED_FILE', `${files[0].name} is not a DICOM file (no "DICM" marker and no DICOM data set at the start)`);
    if (others.length === 1 && files.length === 1)
      throw new LoupeError('UNSUPPORTED_FILE', `${others[0].name} is ${others[0].what}, not an image Loupe can analyse`);
    const kinds = [...new Set(others.map((o) => o.what))];
    throw new LoupeError(
      'UNSUPPORTED_FILE',
      `none of the ${files.length} files is a DICOM image: ${[
        notDicom.length ? `${notDicom.length} not DICOM (e.g. ${notDicom[0]})` : '',
        others.length ? `${others.length} DICOM without pixel data (${kinds.slice(0, 3).join('; ')})` : '',
      ]
        .filter(Boolean)
        .join(', ')}`,
    );
  }
  const skipped = notDicom.length + others.length;
  if (skipped > 0) {
    const parts = [];
    if (notDicom.length) parts.push(`${notDicom.length} non-DICOM file${notDicom.length > 1 ? 's' : ''}`);
    if (others.length) parts.push(`${others.length} DICOM file${others.length > 1 ? 's' : ''} without images (${[...new Set(others.map((o) => o.what))].slice(0, 3).join('; ')})`);
    notes.add(`skipped ${parts.join(' and ')}`);
  }

  const bySeries = new Map<string, ImageFile[]>();
  for (const img of images) {
    const list = bySeries.get(img.series);
    if (list) list.push(img);
    else bySeries.set(img.series, [img]);
  }
  const ranked = [...bySeries.values()].sort((a, b) => b.length - a.length);
  const chosen = ranked[0];
  if (ranked.length > 1) {
    const rest = ranked.slice(1);
    notes.add(
      `${ranked.length} series found: read ${chosen[0].seriesLabel} (${chosen.length} image${chosen.length > 1 ? 's' : ''}); ignored ${rest
        .slice(0, 5)
        .map((s) => `${s[0].seriesLabel} (${s.length})`)
        .join(', ')}${rest.length > 5 ? ` and ${rest.length - 5} more` : ''}`,
    );
  }
  return { chosen, broken };
}

/** Step 2: no damaged file in the series, every image decodable, all of one size and bit depth. */
function checkSeries(chosen: ImageFile[], broken: Broken[], notes: Set<string>): void {
  const first = chosen[0];
  const damaged = broken.find((b) => b.series === first.series);
  if (damaged) throw brokenError(damaged.file, damaged.parsed);
  if (broken.length)
    notes.add(`skipped ${broken.length} damaged file${broken.length > 1 ? 's' : ''} outside this series (${broken[0].file.name}: ${broken[0].parsed.error})`);
  for (const img of chosen) checkDecodable(img);
  for (const img of chosen) {
    if (img.rows !== first.rows || img.cols !== first.cols)
      throw new LoupeError(
        'INCONSISTENT_SERIES',
        `${img.file.name} is ${img.cols}×${img.rows} pixels but ${first.file.name} is ${first.cols}×${first.rows}: the images do not form one volume`,
      );
    if (img.bitsAllocated !== first.bitsAllocated || img.pixelKind !== first.pixelKind)
      throw new LoupeError('INCONSISTENT_SERIES', `${img.file.name} stores ${img.bitsAllocated}-bit pixels but ${first.file.name} ${first.bitsAllocated}-bit`);
  }
}

/** Step 2, per frame: one orientation and one pixel spacing throughout. */
function checkFrames(frames: Frame[]): void {
  const ref = frames[0];
  const withOrientation = frames.filter((f) => f.orientation);
  for (const f of withOrientation) {
    if (!close(f.orientation!, withOrientation[0].orientation!, 1e-3))
      throw new LoupeError(
        'INCONSISTENT_SERIES',
        `${f.img.file.name} has orientation [${f.orientation!.map((v) => +v.toFixed(4)).join(', ')}] but ${withOrientation[0].img.file.name} has [${withOrientation[0]
          .orientation!.map((v) => +v.toFixed(4))
          .join(', ')}]: mixed orientations (e.g. a localizer) do not form one volume`,
      );
  }
  for (const f of frames) {
    if (f.spacing && ref.spacing && !close(f.spacing, ref.spacing, 1e-3 * Math.max(ref.spacing[0], ref.spacing[1])))
      throw new LoupeError(
        'INCONSISTENT_SERIES',
        `${f.img.file.name} has pixel spacing ${f.spacing.join(' × ')} mm but ${ref.img.file.name} ${ref.spacing.join(' × ')} mm`,
      );
  }
}

const close = (a: readonly number[], b: readonly number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

/** Frames grouped into slices, slices in space order, the frames of each slice in time order. */
interface SliceOrder {
  /** slices[z][t] */
  slices: Frame[][];
  /** Each slice's distance along the normal (mm), when every frame has a position. */
  sliceDistances: number[];
  positioned: boolean;
  /** ImageOrientationPatient shared by every frame, and its unit normal. */
  orientation?: number[];
  normal?: Vec3;
}

/** Step 3: slices by position along the normal (frames at one position are time points), else by InstanceNumber. */
function orderSlices(frames: Frame[], notes: Set<string>): SliceOrder {
  const orientation = frames.every((f) => f.orientation) ? frames[0].orientation : undefined;
  const normal = orientation && unitNormal(orientation);
  const positioned = normal !== undefined && frames.every((f) => f.position);

  let slices: Frame[][];
  const sliceDistances: number[] = [];
  if (positioned) {
    const keyed = frames.map((f) => ({ f, d: dot(f.position!, normal!) })).sort((a, b) => a.d - b.d || byTime(a.f, b.f));
    slices = [];
    for (const k of keyed) {
      const last = slices.length ? sliceDistances[sliceDistances.length - 1] : Number.NaN;
      if (slices.length && Math.abs(k.d - last) < 0.01) slices[slices.length - 1].push(k.f);
      else {
        slices.push([k.f]);
        sliceDistances.push(k.d);
      }
    }
  } else {
    const sorted = [...frames].sort((a, b) => cmp(a.img.instance, b.img.instance) || a.order - b.order || a.index - b.index);
    slices = [];
    const cineSlices = new Map<ImageFile, Frame[]>();
    for (const f of sorted) {
      if (!f.cine) slices.push([f]);
      else if (cineSlices.has(f.img)) cineSlices.get(f.img)!.push(f);
      else {
        const s = [f];
        cineSlices.set(f.img, s);
        slices.push(s);
      }
    }
    if (slices.length > 1) notes.add('no ImagePositionPatient/ImageOrientationPatient: slices ordered by InstanceNumber');
  }
  for (const s of slices) s.sort(byTime);
  const nt = slices[0].length;
  for (const s of slices) {
    if (s.length !== nt) {
      const other = s.length;
      const at = positioned ? ` at ${s[0].position!.map((v) => +v.toFixed(2)).join(', ')} mm` : '';
      throw new LoupeError(
        'INCONSISTENT_SERIES',
        `the slice${at} (${s[0].img.file.name}) has ${other} frame${other > 1 ? 's' : ''} but the first slice (${slices[0][0].img.file.name}) has ${nt}: a cine series needs the same number of frames at every position (missing or extra files?)`,
      );
    }
  }
  if (nt > 1)
    notes.add(`${nt} frames per slice (cine), ordered by ${frames.some((f) => f.trigger !== undefined) ? 'trigger time' : 'InstanceNumber'}`);
  return { slices, sliceDistances, positioned, orientation, normal };
}

/** Step 4: voxel spacing (x, y, z in mm) and the RAS affine, from the first frame and the slice order. */
function geometryOf(ref: Frame, order: SliceOrder, notes: Set<string>): { spacingMm: [number, number, number]; affine: number[] } {
  const [rowSpacing, colSpacing] = ref.spacing ?? [1, 1];
  if (!ref.spacing) notes.add('no PixelSpacing: in-plane spacing assumed 1 mm');
  const dz = sliceSpacing(ref, order, notes);
  const { orientation: iop, normal, slices } = order;

  // Affine: LPS (DICOM) → RAS (NIfTI) by negating x and y.
  let affine: number[];
  if (iop && normal && ref.position) {
    const r = iop.slice(0, 3);
    const c = iop.slice(3, 6);
    const rl = norm(r) || 1;
    const cl = norm(c) || 1;
    const origin = slices[0][0].position ?? ref.position;
    const toRas = (v: readonly number[]): Vec3 => [-v[0], -v[1], v[2]];
    affine = affineFromColumns(
      toRas(r.map((v) => (v / rl) * colSpacing)),
      toRas(c.map((v) => (v / cl) * rowSpacing)),
      toRas(normal.map((v) => v * dz)),
      toRas(origin),
    );
  } else {
    affine = scalingAffine([colSpacing, rowSpacing, dz]);
    notes.add('no patient orientation (ImageOrientationPatient/ImagePositionPatient): orientation unknown');
  }
  return { spacingMm: [colSpacing, rowSpacing, dz], affine };
}

/** The distance between slices: median gap of the positions, else SpacingBetweenSlices, SliceThickness, 1 mm. */
function sliceSpacing(ref: Frame, { slices, sliceDistances }: SliceOrder, notes: Set<string>): number {
  if (sliceDistances.length > 1) {
    const gaps = sliceDistances.slice(1).map((d, i) => d - sliceDistances[i]);
    const dz = median(gaps);
    const lo = Math.min(...gaps);
    const hi = Math.max(...gaps);
    if (hi - lo > Math.max(0.01, 0.05 * dz))
      notes.add(`slice spacing is uneven (${+lo.toFixed(3)} to ${+hi.toFixed(3)} mm; missing slices?): using the median ${+dz.toFixed(3)} mm`);
    return dz;
  }
  if (ref.spacingBetween && ref.spacingBetween > 0) {
    if (slices.length > 1) notes.add(`slice spacing ${ref.spacingBetween} mm from SpacingBetweenSlices`);
    return ref.spacingBetween;
  }
  if (ref.sliceThickness && ref.sliceThickness > 0) {
    if (slices.length > 1) notes.add(`slice spacing ${ref.sliceThickness} mm from SliceThickness`);
    return ref.sliceThickness;
  }
  notes.add('slice spacing unknown: assumed 1 mm');
  return 1;
}

/** Step 5: every frame decoded and rescaled, x fastest, then y, z, t; MONOCHROME1 inverted. */
function readPixels(first: ImageFile, slices: Frame[][], notes: Set<string>): Float32Array {
  const plane = first.cols * first.rows;
  const nz = slices.length;
  const nt = slices[0].length;
  const data = new Float32Array(plane * nz * nt);
  for (let z = 0; z < nz; z++) {
    for (let t = 0; t < nt; t++) decodeFrame(slices[z][t].img, slices[z][t], data, (t * nz + z) * plane);
  }
  if (first.photometric === 'MONOCHROME1') {
    invertRange(data);
    notes.add('MONOCHROME1 (white = low values): inverted so that higher values are brighter');
  }
  return data;
}

/** v → lo + hi − v in place: the lowest value becomes the highest and vice versa. */
function invertRange(data: Float32Array): void {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  for (let i = 0; i < data.length; i++) data[i] = lo + hi - data[i];
}

function seriesName(files: DicomFile[]): string {
  if (files.length === 1) return files[0].name;
  const dirs = files.map((f) => f.name.split('/').slice(0, -1));
  if (dirs.every((d) => d.length > 0)) {
    let common = dirs[0];
    for (const d of dirs) {
      let k = 0;
      while (k < common.length && k < d.length && common[k] === d[k]) k++;
      common = common.slice(0, k);
    }
    if (common.length > 0) return common[common.length - 1];
  }
  return `${files.length} files`;
}
