/**
 * DICOM bytes → dicom-parser data sets → one description per image file (`ImageFile`). Knows the transfer syntaxes,
 * the tags Loupe reads, and why a file is not an image (a DICOMDIR, an RT plan, damaged). Pure.
 */
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { inflateSync } from 'fflate';
import { LoupeError } from '../../errors';
import { ascii } from '../bytes';

export interface DicomFile {
  name: string;
  bytes: Uint8Array;
}

// ---------------------------------------------------------------------------------------------------------------
// Transfer syntaxes

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const ENCAPSULATED_UNCOMPRESSED = '1.2.840.10008.1.2.1.98';
export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

export const NATIVE_SYNTAXES = new Set([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE]);

/** Compressed transfer syntaxes Loupe recognises but cannot decode in the browser. */
export const COMPRESSED_SYNTAXES: Record<string, string> = {
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

export const T = {
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

export const COLOUR_MESSAGE = 'colour DICOM (secondary capture) is not a scan Loupe can analyse';

// ---------------------------------------------------------------------------------------------------------------
// Detection and parsing

const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);
/** Explicit VRs with a 2-byte reserved field and a 4-byte length. */
const LONG_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));
/** Groups a data set (or file meta without its preamble) plausibly starts with. */
const FIRST_GROUPS = new Set([0x0002, 0x0004, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028]);
/** Padding bytes (NUL or space) skipped before a raw data set: what is left when a file meta was cut off a byte late. */
const MAX_LEADING_PADDING = 4;

/**
 * Whether the first few elements from `at` read as `syntax` (explicit LE/BE or implicit LE): a plausible first
 * group, known VRs (explicit), lengths inside the file, and tags in ascending order, as the standard requires.
 */
function walksAs(b: Uint8Array, at: number, syntax: string, elements = 4): boolean {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = syntax !== EXPLICIT_BE;
  const explicit = syntax !== IMPLICIT_LE;
  let pos = at;
  let previous = -1;
  for (let n = 0; n < elements; n++) {
    if (pos === b.length && n > 0) return true;
    if (pos + 8 > b.length) return false;
    const group = dv.getUint16(pos, le);
    const tag = group * 0x10000 + dv.getUint16(pos + 2, le);
    if (n === 0 ? !FIRST_GROUPS.has(group) : tag <= previous) return false;
    previous = tag;
    let length: number;
    let header = 8;
    if (explicit) {
      const vr = ascii(b, pos + 4, pos + 6);
      if (!VRS.has(vr)) return false;
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > b.length) return false;
        length = dv.getUint32(pos + 8, le);
        header = 12;
      } else length = dv.getUint16(pos + 6, le);
    } else length = dv.getUint32(pos + 4, true);
    if (length === 0xffffffff) return true; // a sequence or encapsulated pixel data of undefined length: far enough
    pos += header + length;
    if (pos > b.length) return false;
  }
  return true;
}

/**
 * Where a data set without a "DICM" header starts, and its transfer syntax, guessed from its first elements:
 * explicit VR little endian, explicit VR big endian, else implicit VR little endian (the default for such files).
 * Up to MAX_LEADING_PADDING NUL/space bytes before it are skipped.
 */
export function rawDataSet(b: Uint8Array): { offset: number; syntax: string } | undefined {
  for (let offset = 0; offset <= MAX_LEADING_PADDING && offset < b.length; offset++) {
    if (offset > 0 && b[offset - 1] !== 0x00 && b[offset - 1] !== 0x20) break;
    for (const syntax of [EXPLICIT_LE, EXPLICIT_BE, IMPLICIT_LE]) if (walksAs(b, offset, syntax)) return { offset, syntax };
  }
  return undefined;
}

/** True for a DICOM Part-10 file ("DICM" at byte 128) or a raw data set that starts like one (no preamble). */
export function isDicom(bytes: Uint8Array): boolean {
  if (bytes.length >= 132 && ascii(bytes, 128, 132) === 'DICM') return true;
  return rawDataSet(bytes) !== undefined;
}

export function errorText(e: unknown): string {
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

export interface Parsed {
  /** The data set; after a parse error, whatever was read before it (if anything). */
  ds?: DataSet;
  syntax: string;
  /** Why parsing failed (truncated, garbage), if it did. */
  error?: string;
}

export function parse(file: DicomFile): Parsed {
  let b = file.bytes;
  const part10 = b.length >= 132 && ascii(b, 128, 132) === 'DICM';
  let syntax = '';
  try {
    if (!part10) {
      const raw = rawDataSet(b)!;
      const data = b.subarray(raw.offset);
      if (raw.syntax === EXPLICIT_LE && data[0] === 0x02 && data[1] === 0x00) {
        // File meta (group 0002) without the preamble and "DICM": give it both, and read it as a Part-10 file.
        b = new Uint8Array(132 + data.length);
        b.set([0x44, 0x49, 0x43, 0x4d], 128);
        b.set(data, 132);
      } else {
        syntax = raw.syntax;
        return { ds: dicomParser.parseDicom(data, { TransferSyntaxUID: syntax }), syntax };
      }
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

export function str(ds: DataSet | undefined, tag: string): string | undefined {
  const v = ds?.string(tag);
  return v === undefined || v === '' ? undefined : v;
}

/** All values of a DS/IS attribute (dicom-parser's indexed getters throw when an index is missing). */
function decimals(ds: DataSet | undefined, tag: string): number[] | undefined {
  if (!ds?.elements[tag] || ds.elements[tag].length === 0) return undefined;
  const s = ds.string(tag);
  return s ? s.split('\\').map((v) => Number.parseFloat(v)) : undefined;
}

export function num(ds: DataSet | undefined, tag: string, index = 0): number | undefined {
  const v = decimals(ds, tag)?.[index];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** The first `count` values, or undefined unless all of them are there and finite. */
export function nums(ds: DataSet | undefined, tag: string, count: number): number[] | undefined {
  const v = decimals(ds, tag);
  if (!v || v.length < count) return undefined;
  const out = v.slice(0, count);
  return out.every(Number.isFinite) ? out : undefined;
}

function us(ds: DataSet | undefined, tag: string): number | undefined {
  if (!ds?.elements[tag] || ds.elements[tag].length < 2) return undefined;
  return ds.uint16(tag);
}

export function item(ds: DataSet | undefined, seq: string, index = 0): DataSet | undefined {
  return ds?.elements[seq]?.items?.[index]?.dataSet;
}

/** Reads a functional-group attribute: per-frame item first, then shared item. */
export function fg<R>(frame: DataSet | undefined, shared: DataSet | undefined, seq: string, read: (d: DataSet) => R | undefined): R | undefined {
  const a = item(frame, seq);
  const ra = a && read(a);
  if (ra !== undefined) return ra;
  const b = item(shared, seq);
  return b && read(b);
}

export function attributeTags(ds: DataSet, tag: string): string[] {
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

export interface ImageFile {
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

export type Classified =
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

export function classify(file: DicomFile, p: Parsed): Classified {
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

/** The error for a file dicom-parser could not read: what its readable part says it is, else damaged. */
export function brokenError(file: DicomFile, p: Parsed): LoupeError {
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
