/**
 * DICOM reader: one file (single- or multi-frame) or the files of a dropped folder → one `Volume`.
 * Parsing is dicom-parser's; this module picks the series, orders slices and frames, decodes native, deflated and
 * RLE pixel data, rescales, and derives spacing and the RAS affine. Pure: runs in workers, the page and Node.
 */
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { inflateSync } from 'fflate';
import { LoupeError } from '../runtime/errors';
import type { Volume } from './volume';
import { affineFromColumns, cross, dot, norm, scalingAffine, type Vec3 } from './geometry';

export interface DicomFile {
  name: string;
  bytes: Uint8Array;
}

// ---------------------------------------------------------------------------------------------------------------
// Transfer syntaxes

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const ENCAPSULATED_UNCOMPRESSED = '1.2.840.10008.1.2.1.98';
const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

const NATIVE_SYNTAXES = new Set([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE]);

/** Compressed transfer syntaxes Loupe recognises but cannot decode in the browser. */
const COMPRESSED_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.52': 'JPEG Extended (Process 3 & 5)',
  '1.2.840.10008.1.2.4.53': 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8)',
  '1.2.840.10008.1.2.4.55': 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.101': 'MPEG2 Main Profile / High Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile / Level 5.1',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile / Level 5.1',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.4.204': 'JPIP HTJ2K Referenced',
  '1.2.840.10008.1.2.4.205': 'JPIP HTJ2K Referenced Deflate',
  '1.2.840.10008.1.2.8.1': 'SMPTE ST 2110-20 Uncompressed Progressive Active Video',
};

// ---------------------------------------------------------------------------------------------------------------
// Tags (dicom-parser's "xGGGGEEEE" form)

const T = {
  mediaStorageSopClass: 'x00020002',
  transferSyntax: 'x00020010',
  sopClass: 'x00080016',
  modality: 'x00080060',
  seriesDescription: 'x0008103e',
  sliceThickness: 'x00180050',
  spacingBetweenSlices: 'x00180088',
  triggerTime: 'x00181060',
  frameTime: 'x00181063',
  frameTimeVector: 'x00181065',
  imagerPixelSpacing: 'x00181164',
  seriesUid: 'x0020000e',
  seriesNumber: 'x00200011',
  instanceNumber: 'x00200013',
  imagePosition: 'x00200032',
  imageOrientation: 'x00200037',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  numberOfFrames: 'x00280008',
  frameIncrementPointer: 'x00280009',
  rows: 'x00280010',
  columns: 'x00280011',
  pixelSpacing: 'x00280030',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  gridFrameOffsetVector: 'x3004000c',
  doseGridScaling: 'x3004000e',
  directoryRecords: 'x00041220',
  sharedGroups: 'x52009229',
  perFrameGroups: 'x52009230',
  planePositionSeq: 'x00209113',
  planeOrientationSeq: 'x00209116',
  pixelMeasuresSeq: 'x00289110',
  pixelValueTransformSeq: 'x00289145',
  cardiacSyncSeq: 'x00189118',
  nominalTriggerDelay: 'x00209153',
  frameContentSeq: 'x00209111',
  temporalPositionIndex: 'x00209128',
  pixelData: 'x7fe00010',
  floatPixelData: 'x7fe00008',
  doublePixelData: 'x7fe00009',
} as const;

const SOP_CLASS_NAMES: Record<string, string> = {
  '1.2.840.10008.1.3.10': 'a DICOMDIR (media directory index)',
  '1.2.840.10008.5.1.4.1.1.481.5': 'an RT Plan',
  '1.2.840.10008.5.1.4.1.1.481.8': 'an RT Ion Plan',
  '1.2.840.10008.5.1.4.1.1.481.3': 'an RT Structure Set',
  '1.2.840.10008.5.1.4.1.1.481.4': 'an RT Beams Treatment Record',
  '1.2.840.10008.5.1.4.1.1.88.11': 'a Basic Text Structured Report',
  '1.2.840.10008.5.1.4.1.1.88.22': 'an Enhanced Structured Report',
  '1.2.840.10008.5.1.4.1.1.88.33': 'a Comprehensive Structured Report',
  '1.2.840.10008.5.1.4.1.1.88.59': 'a Key Object Selection document',
  '1.2.840.10008.5.1.4.1.1.11.1': 'a Grayscale Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.104.1': 'an Encapsulated PDF',
  '1.2.840.10008.5.1.4.1.1.66': 'a Raw Data object',
  '1.2.840.10008.5.1.4.1.1.66.4': 'a Segmentation (SEG) object',
  '1.2.840.10008.5.1.4.1.1.9.1.1': 'a 12-lead ECG waveform',
  '1.2.840.10008.5.1.4.1.1.9.1.2': 'a General ECG waveform',
};

const COLOUR_MESSAGE = 'colour DICOM (secondary capture) is not a scan Loupe can analyse';

// ---------------------------------------------------------------------------------------------------------------
// Detection and parsing

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, b.length); i++) s += String.fromCharCode(b[i]);
  return s;
}

const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/** Guesses the transfer syntax of a data set without file meta information, from its first element. */
function guessRawSyntax(b: Uint8Array, at = 0): string | undefined {
  if (b.length < at + 8) return undefined;
  const groupLE = b[at] | (b[at + 1] << 8);
  const groupBE = (b[at] << 8) | b[at + 1];
  const vr = ascii(b, at + 4, at + 6);
  const plausible = (g: number) => g === 0x0008 || g === 0x0002 || g === 0x0010 || g === 0x0018 || g === 0x0020 || g === 0x0028;
  if (plausible(groupLE) && VRS.has(vr)) return EXPLICIT_LE;
  if (plausible(groupBE) && groupBE !== groupLE && VRS.has(vr)) return EXPLICIT_BE;
  if (plausible(groupLE)) {
    const len = b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24);
    if (len === -1 || (len >= 0 && at + 8 + len <= b.length)) return IMPLICIT_LE;
  }
  return undefined;
}

/** True for a DICOM Part-10 file ("DICM" at byte 128) or a raw data set that starts like one (no preamble). */
export function isDicom(bytes: Uint8Array): boolean {
  if (bytes.length >= 132 && ascii(bytes, 128, 132) === 'DICM') return true;
  return guessRawSyntax(bytes) !== undefined;
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'exception' in e) return errorText((e as { exception: unknown }).exception);
  return String(e);
}

const inflater = (arr: Uint8Array, position: number): Uint8Array => {
  const inflated = inflateSync(arr.subarray(position));
  const full = new Uint8Array(position + inflated.length);
  full.set(arr.subarray(0, position));
  full.set(inflated, position);
  return full;
};

interface Parsed {
  /** The data set; after a parse error, whatever was read before it (if anything). */
  ds?: DataSet;
  syntax: string;
  /** Why parsing failed (truncated, garbage), if it did. */
  error?: string;
}

function parse(file: DicomFile): Parsed {
  const b = file.bytes;
  const part10 = b.length >= 132 && ascii(b, 128, 132) === 'DICM';
  let syntax = '';
  try {
    if (!part10) {
      syntax = guessRawSyntax(b)!;
      return { ds: dicomParser.parseDicom(b, { TransferSyntaxUID: syntax }), syntax };
    }
    const meta = dicomParser.readPart10Header(b) as DataSet & { position: number };
    syntax = meta.string(T.transferSyntax)?.replace(/\0/g, '').trim() ?? '';
    const rest = b.subarray(meta.position);
    const looksExplicit = VRS.has(ascii(rest, 4, 6));
    if (!syntax) {
      // A file meta without (0002,0010) turns up in the wild: the data set after it is explicit or implicit LE.
      syntax = looksExplicit ? EXPLICIT_LE : IMPLICIT_LE;
      return { ds: dicomParser.parseDicom(rest, { TransferSyntaxUID: syntax }), syntax };
    }
    if (syntax !== EXPLICIT_BE && syntax !== DEFLATED_LE && rest.length >= 8 && looksExplicit !== (syntax !== IMPLICIT_LE)) {
      // Some writers encode the data set in the other VR form than the transfer syntax says (pydicom tolerates
      // this too): parse it as it is, and keep the declared syntax for the pixel data.
      return { ds: dicomParser.parseDicom(rest, { TransferSyntaxUID: looksExplicit ? EXPLICIT_LE : IMPLICIT_LE }), syntax };
    }
    return { ds: dicomParser.parseDicom(b, { inflater }), syntax };
  } catch (e) {
    const partial = e && typeof e === 'object' && 'dataSet' in e ? (e as { dataSet?: DataSet }).dataSet : undefined;
    return { ds: partial, syntax, error: errorText(e) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Attribute helpers (enhanced multi-frame attributes live in functional-group sequences)

function str(ds: DataSet | undefined, tag: string): string | undefined {
  const v = ds?.string(tag);
  return v === undefined || v === '' ? undefined : v;
}

/** All values of a DS/IS attribute (dicom-parser's indexed getters throw when an index is missing). */
function decimals(ds: DataSet | undefined, tag: string): number[] | undefined {
  if (!ds?.elements[tag] || ds.elements[tag].length === 0) return undefined;
  const s = ds.string(tag);
  return s ? s.split('\\').map((v) => Number.parseFloat(v)) : undefined;
}

function num(ds: DataSet | undefined, tag: string, index = 0): number | undefined {
  const v = decimals(ds, tag)?.[index];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** The first `count` values, or undefined unless all of them are there and finite. */
function nums(ds: DataSet | undefined, tag: string, count: number): number[] | undefined {
  const v = decimals(ds, tag);
  if (!v || v.length < count) return undefined;
  const out = v.slice(0, count);
  return out.every(Number.isFinite) ? out : undefined;
}

function us(ds: DataSet | undefined, tag: string): number | undefined {
  if (!ds?.elements[tag] || ds.elements[tag].length < 2) return undefined;
  return ds.uint16(tag);
}

function item(ds: DataSet | undefined, seq: string, index = 0): DataSet | undefined {
  return ds?.elements[seq]?.items?.[index]?.dataSet;
}

/** Reads a functional-group attribute: per-frame item first, then shared item. */
function fg<R>(frame: DataSet | undefined, shared: DataSet | undefined, seq: string, read: (d: DataSet) => R | undefined): R | undefined {
  const a = item(frame, seq);
  const ra = a && read(a);
  if (ra !== undefined) return ra;
  const b = item(shared, seq);
  return b && read(b);
}

function attributeTags(ds: DataSet, tag: string): string[] {
  const el = ds.elements[tag];
  if (!el) return [];
  const out: string[] = [];
  for (let i = 0; i + 4 <= el.length; i += 4) {
    const p = ds.byteArrayParser;
    const g = p.readUint16(ds.byteArray, el.dataOffset + i);
    const e = p.readUint16(ds.byteArray, el.dataOffset + i + 2);
    out.push(`x${g.toString(16).padStart(4, '0')}${e.toString(16).padStart(4, '0')}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-file image description

interface ImageFile {
  file: DicomFile;
  ds: DataSet;
  syntax: string;
  modality?: string;
  series: string;
  seriesLabel: string;
  rows: number;
  cols: number;
  frames: number;
  samples: number;
  photometric: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  pixel: Element;
  pixelKind: 'int' | 'float' | 'double';
  instance?: number;
}

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

type Classified =
  | { kind: 'image'; img: ImageFile }
  | { kind: 'other'; what: string }
  | { kind: 'broken'; file: DicomFile; parsed: Parsed; series?: string };

function describeNonImage(ds: DataSet): string {
  const sop = str(ds, T.sopClass) ?? str(ds, T.mediaStorageSopClass);
  if (ds.elements[T.directoryRecords] || sop === '1.2.840.10008.1.3.10') return 'a DICOMDIR (media directory index)';
  const modality = str(ds, T.modality);
  const named = sop && SOP_CLASS_NAMES[sop];
  if (named) return `${named}${modality ? ` (Modality ${modality})` : ''}`;
  const ids = [modality && `Modality ${modality}`, sop && `SOP Class ${sop}`].filter(Boolean);
  return `a DICOM object without pixel data${ids.length ? ` (${ids.join(', ')})` : ''}`;
}

function classify(file: DicomFile, p: Parsed): Classified {
  const ds = p.ds;
  if (!ds || p.error) return { kind: 'broken', file, parsed: p, series: str(ds, T.seriesUid) };
  if (!Object.keys(ds.elements).some((tag) => /^x(0004|0008|0010|0018|0020|0028|3004|300a|7fe0)/.test(tag)))
    return { kind: 'broken', file, parsed: { ...p, error: 'none of the usual DICOM attributes could be read' } };
  const pixel = ds.elements[T.pixelData] ?? ds.elements[T.floatPixelData] ?? ds.elements[T.doublePixelData];
  if (!pixel || ds.elements[T.directoryRecords]) return { kind: 'other', what: describeNonImage(ds) };
  const series = str(ds, T.seriesUid) ?? '';
  const desc = str(ds, T.seriesDescription);
  const seriesNo = str(ds, T.seriesNumber);
  const img: ImageFile = {
    file,
    ds,
    syntax: p.syntax,
    modality: str(ds, T.modality),
    series,
    seriesLabel: [seriesNo && `#${seriesNo}`, desc && `"${desc}"`].filter(Boolean).join(' ') || series || '(no SeriesInstanceUID)',
    rows: us(ds, T.rows) ?? 0,
    cols: us(ds, T.columns) ?? 0,
    frames: Math.max(1, Math.round(num(ds, T.numberOfFrames) ?? 1)),
    samples: us(ds, T.samplesPerPixel) ?? 1,
    photometric: (str(ds, T.photometric) ?? 'MONOCHROME2').trim().toUpperCase(),
    bitsAllocated: us(ds, T.bitsAllocated) ?? 0,
    bitsStored: 0,
    highBit: 0,
    signed: us(ds, T.pixelRepresentation) === 1,
    pixel,
    pixelKind: pixel.tag === T.floatPixelData ? 'float' : pixel.tag === T.doublePixelData ? 'double' : 'int',
    instance: num(ds, T.instanceNumber),
  };
  if (img.pixelKind !== 'int') img.bitsAllocated = img.pixelKind === 'float' ? 32 : 64;
  img.bitsStored = us(ds, T.bitsStored) ?? img.bitsAllocated;
  img.highBit = us(ds, T.highBit) ?? img.bitsStored - 1;
  return { kind: 'image', img };
}

/** Refuses what Loupe cannot decode: colour, odd bit depths, compressed transfer syntaxes. */
function checkDecodable(img: ImageFile): void {
  const name = img.file.name;
  if (img.modality === 'SEG' || str(img.ds, T.sopClass) === '1.2.840.10008.5.1.4.1.1.66.4')
    throw new LoupeError('UNSUPPORTED_FILE', `${name}: a DICOM Segmentation (SEG) object is a label map, not a scan Loupe can analyse`);
  if (img.samples !== 1 || !/^MONOCHROME[12]$/.test(img.photometric)) {
    const what = img.photometric === 'PALETTE COLOR' ? 'palette colour' : `${img.photometric}, ${img.samples} samples per pixel`;
    throw new LoupeError('UNSUPPORTED_FILE', `${name}: ${COLOUR_MESSAGE} (${what})`);
  }
  if (!(img.rows > 0 && img.cols > 0)) throw new LoupeError('CORRUPT_VOLUME', `${name}: image has ${img.rows} rows × ${img.cols} columns`);
  if (img.pixelKind === 'int' && ![8, 16, 32].includes(img.bitsAllocated))
    throw new LoupeError(
      'UNSUPPORTED_FILE',
      `${name}: BitsAllocated = ${img.bitsAllocated} is not supported (Loupe reads 8-, 16- and 32-bit greyscale pixel data)`,
    );
  if (img.pixelKind === 'int' && !(img.bitsStored >= 1 && img.bitsStored <= img.bitsAllocated && img.highBit < img.bitsAllocated))
    throw new LoupeError('CORRUPT_VOLUME', `${name}: inconsistent BitsStored ${img.bitsStored} / HighBit ${img.highBit} for BitsAllocated ${img.bitsAllocated}`);
  const ts = img.syntax;
  if (NATIVE_SYNTAXES.has(ts) || ts === RLE_LOSSLESS || ts === ENCAPSULATED_UNCOMPRESSED) return;
  const named = COMPRESSED_SYNTAXES[ts];
  throw new LoupeError(
    'UNSUPPORTED_COMPRESSION',
    named
      ? `${name}: pixel data is compressed with ${named} (transfer syntax ${ts}), which Loupe cannot decode`
      : `${name}: unrecognised transfer syntax ${ts}; Loupe decodes uncompressed, deflated and RLE Lossless DICOM only`,
  );
}

/** The error for a file dicom-parser could not read: what its readable part says it is, else damaged. */
function brokenError(file: DicomFile, p: Parsed): LoupeError {
  const samples = us(p.ds, T.samplesPerPixel);
  const photometric = str(p.ds, T.photometric)?.trim().toUpperCase();
  if ((samples !== undefined && samples > 1) || (photometric && !photometric.startsWith('MONOCHROME')))
    return new LoupeError('UNSUPPORTED_FILE', `${file.name}: ${COLOUR_MESSAGE} (${photometric ?? '?'}, ${samples ?? '?'} samples per pixel)`);
  const named = COMPRESSED_SYNTAXES[p.syntax];
  if (named)
    return new LoupeError(
      'UNSUPPORTED_COMPRESSION',
      `${file.name}: pixel data is compressed with ${named} (transfer syntax ${p.syntax}), which Loupe cannot decode (and the file also looks damaged: ${p.error})`,
    );
  return new LoupeError('CORRUPT_VOLUME', `${file.name}: the DICOM file is truncated or damaged (${p.error})`);
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
// Pixel decoding

/** The bytes of one frame, decompressing RLE; native data as a view. littleEndian refers to the returned bytes. */
function frameBytes(img: ImageFile, index: number, frameSize: number): { bytes: Uint8Array; littleEndian: boolean } {
  const { ds, pixel, file } = img;
  const byteArray = ds.byteArray as Uint8Array;
  if (pixel.encapsulatedPixelData || pixel.fragments) {
    const data = encapsulatedFrame(img, index);
    if (img.syntax === RLE_LOSSLESS) return { bytes: decodeRle(data, img, frameSize), littleEndian: true };
    if (data.length < frameSize)
      throw new LoupeError('CORRUPT_VOLUME', `${file.name}: frame ${index + 1} has ${data.length} bytes, expected ${frameSize}`);
    return { bytes: data, littleEndian: true };
  }
  if (img.syntax === RLE_LOSSLESS || img.syntax === ENCAPSULATED_UNCOMPRESSED)
    throw new LoupeError('CORRUPT_VOLUME', `${file.name}: transfer syntax ${img.syntax} needs encapsulated pixel data, but it is stored natively`);
  const start = pixel.dataOffset + index * frameSize;
  const end = start + frameSize;
  const available = Math.min(pixel.dataOffset + pixel.length, byteArray.length);
  if (end > available)
    throw new LoupeError(
      'CORRUPT_VOLUME',
      `${file.name}: pixel data is truncated: ${img.frames} frame${img.frames > 1 ? 's' : ''} of ${img.cols}×${img.rows} × ${img.bitsAllocated} bits need ${
        img.frames * frameSize
      } bytes, the file holds ${Math.max(0, available - pixel.dataOffset)}`,
    );
  return { bytes: byteArray.subarray(start, end), littleEndian: img.syntax !== EXPLICIT_BE };
}

function encapsulatedFrame(img: ImageFile, index: number): Uint8Array {
  const { ds, pixel, file } = img;
  const byteArray = ds.byteArray as Uint8Array;
  const fragments = pixel.fragments ?? [];
  const bot = pixel.basicOffsetTable ?? [];
  let chosen = fragments;
  if (img.frames > 1) {
    if (bot.length === img.frames) {
      const start = bot[index];
      const end = index + 1 < bot.length ? bot[index + 1] : Number.POSITIVE_INFINITY;
      chosen = fragments.filter((f) => f.offset >= start && f.offset < end);
    } else if (fragments.length === img.frames) {
      chosen = [fragments[index]];
    } else {
      throw new LoupeError(
        'CORRUPT_VOLUME',
        `${file.name}: cannot split ${fragments.length} pixel-data fragments into ${img.frames} frames (no Basic Offset Table)`,
      );
    }
  }
  if (chosen.length === 0) throw new LoupeError('CORRUPT_VOLUME', `${file.name}: frame ${index + 1} has no pixel-data fragments`);
  if (chosen.length === 1) return byteArray.subarray(chosen[0].position, chosen[0].position + chosen[0].length);
  const total = chosen.reduce((s, f) => s + f.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const f of chosen) {
    out.set(byteArray.subarray(f.position, f.position + f.length), o);
    o += f.length;
  }
  return out;
}

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment per byte plane
 * (most significant byte first). Returns little-endian interleaved samples.
 */
export function decodeRle(data: Uint8Array, img: Pick<ImageFile, 'rows' | 'cols' | 'bitsAllocated' | 'file'>, frameSize: number): Uint8Array {
  const name = img.file.name;
  const pixels = img.rows * img.cols;
  const bytesPer = img.bitsAllocated / 8;
  if (data.length < 64) throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE frame is ${data.length} bytes, shorter than its 64-byte header`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = dv.getUint32(0, true);
  if (segments !== bytesPer)
    throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE frame has ${segments} segments, expected ${bytesPer} for ${img.bitsAllocated}-bit greyscale`);
  const out = new Uint8Array(frameSize);
  for (let s = 0; s < segments; s++) {
    const start = dv.getUint32(4 + s * 4, true);
    const end = s + 1 < segments ? dv.getUint32(8 + s * 4, true) : data.length;
    if (start < 64 || end > data.length || end < start)
      throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE segment ${s + 1} offsets ${start}..${end} lie outside the ${data.length}-byte frame`);
    const shift = bytesPer - 1 - s; // segment 0 holds the most significant bytes
    let i = start;
    let p = 0;
    while (i < end && p < pixels) {
      const h = (data[i++] << 24) >> 24;
      if (h >= 0) {
        const n = Math.min(h + 1, pixels - p, end - i);
        for (let k = 0; k < n; k++) out[(p + k) * bytesPer + shift] = data[i + k];
        i += h + 1;
        p += n;
      } else if (h > -128) {
        const n = Math.min(1 - h, pixels - p);
        const v = data[i++];
        for (let k = 0; k < n; k++) out[(p + k) * bytesPer + shift] = v;
        p += n;
      }
    }
    if (p < pixels)
      throw new LoupeError('CORRUPT_VOLUME', `${name}: RLE segment ${s + 1} decodes to ${p} of ${pixels} pixels (truncated)`);
  }
  return out;
}

/** Stored pixel values → rescaled floats (masking to BitsStored and sign-extending as PixelRepresentation says). */
function decodeFrame(img: ImageFile, frame: Frame, out: Float32Array, outOffset: number): void {
  const n = img.rows * img.cols;
  const bytesPer = img.bitsAllocated / 8;
  const { bytes, littleEndian } = frameBytes(img, frame.index, n * bytesPer);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { slope, intercept } = frame;
  if (img.pixelKind !== 'int') {
    for (let i = 0; i < n; i++) {
      const v = img.pixelKind === 'float' ? dv.getFloat32(i * 4, littleEndian) : dv.getFloat64(i * 8, littleEndian);
      out[outOffset + i] = (Number.isFinite(v) ? v : 0) * slope + intercept;
    }
    return;
  }
  // Stored words as unsigned integers: a typed-array view when aligned little-endian, else read through the DataView.
  let words: ArrayLike<number>;
  if (bytesPer === 1) words = bytes;
  else if (littleEndian && bytes.byteOffset % bytesPer === 0)
    words = bytesPer === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  else {
    const w = bytesPer === 2 ? new Uint16Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) w[i] = bytesPer === 2 ? dv.getUint16(i * 2, littleEndian) : dv.getUint32(i * 4, littleEndian);
    words = w;
  }
  const bits = img.bitsStored;
  const shift = Math.max(0, img.highBit + 1 - bits);
  const signed = img.signed;
  if (bits >= 32) {
    for (let i = 0; i < n; i++) out[outOffset + i] = (signed ? words[i] | 0 : words[i]) * slope + intercept;
    return;
  }
  // BitsStored < 32: keep bits [shift, shift + bits), then sign-extend from the top stored bit when signed.
  const mask = bits === 31 ? 0x7fffffff : (1 << bits) - 1;
  const ext = 32 - bits;
  for (let i = 0; i < n; i++) {
    let v = (words[i] >>> shift) & mask;
    if (signed) v = (v << ext) >> ext;
    out[outOffset + i] = v * slope + intercept;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Series assembly

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

const close = (a: readonly number[], b: readonly number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

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

function readSeries(files: DicomFile[]): Volume {
  if (files.length === 0) throw new LoupeError('UNSUPPORTED_FILE', 'no DICOM files were given');
  const notes = new Set<string>();
  const images: ImageFile[] = [];
  const notDicom: string[] = [];
  const others: { name: string; what: string }[] = [];
  const broken: Extract<Classified, { kind: 'broken' }>[] = [];
  for (const file of files) {
    if (!isDicom(file.bytes)) {
      notDicom.push(file.name);
      continue;
    }
    const c = classify(file, parse(file));
    if (c.kind === 'image') images.push(c.img);
    else if (c.kind === 'broken') broken.push(c);
    else others.push({ name: file.name, what: c.what });
  }
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

  // Series: the one with the most images.
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

  // Frames, with geometry.
  const frames = chosen.flatMap((img, i) => framesOf(img, i, notes));
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

  const iop = withOrientation.length === frames.length ? withOrientation[0].orientation : undefined;
  const normal = iop && unitNormal(iop);
  const positioned = normal !== undefined && frames.every((f) => f.position);

  // Group frames into slices (same position) and order both ways.
  let slices: Frame[][];
  let sliceDistances: number[] = [];
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

  // Spacing.
  const [rowSpacing, colSpacing] = ref.spacing ?? [1, 1];
  if (!ref.spacing) notes.add('no PixelSpacing: in-plane spacing assumed 1 mm');
  let dz: number;
  if (sliceDistances.length > 1) {
    const gaps = sliceDistances.slice(1).map((d, i) => d - sliceDistances[i]);
    dz = median(gaps);
    const lo = Math.min(...gaps);
    const hi = Math.max(...gaps);
    if (hi - lo > Math.max(0.01, 0.05 * dz))
      notes.add(`slice spacing is uneven (${+lo.toFixed(3)} to ${+hi.toFixed(3)} mm; missing slices?): using the median ${+dz.toFixed(3)} mm`);
  } else if (ref.spacingBetween && ref.spacingBetween > 0) {
    dz = ref.spacingBetween;
    if (slices.length > 1) notes.add(`slice spacing ${dz} mm from SpacingBetweenSlices`);
  } else if (ref.sliceThickness && ref.sliceThickness > 0) {
    dz = ref.sliceThickness;
    if (slices.length > 1) notes.add(`slice spacing ${dz} mm from SliceThickness`);
  } else {
    dz = 1;
    notes.add('slice spacing unknown: assumed 1 mm');
  }

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

  // Pixels: x fastest, then y, z, t.
  const nx = first.cols;
  const ny = first.rows;
  const nz = slices.length;
  const plane = nx * ny;
  const data = new Float32Array(plane * nz * nt);
  for (let z = 0; z < nz; z++) {
    for (let t = 0; t < nt; t++) decodeFrame(slices[z][t].img, slices[z][t], data, (t * nz + z) * plane);
  }
  if (first.photometric === 'MONOCHROME1') {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < lo) lo = data[i];
      if (data[i] > hi) hi = data[i];
    }
    for (let i = 0; i < data.length; i++) data[i] = lo + hi - data[i];
    notes.add('MONOCHROME1 (white = low values): inverted so that higher values are brighter');
  }

  const modality = first.modality;
  return {
    data,
    dims: [nx, ny, nz, nt],
    spacingMm: [colSpacing, rowSpacing, dz],
    affine,
    source: {
      format: 'dicom',
      name: seriesName(files),
      ...(modality ? { modality } : {}),
      ...(notes.size ? { note: [...notes].join('; ') } : {}),
    },
  };
}
