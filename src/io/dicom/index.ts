/**
 * DICOM reader: one file (single- or multi-frame) or the files of a dropped folder → one `Volume`.
 * Parsing is dicom-parser's (`parse.ts`, which also describes each image file); `decode.ts` decodes native, deflated
 * and RLE pixel data and rescales; `series.ts` picks the series, orders slices and frames, and derives spacing and
 * the RAS affine. Pure: runs in workers, the page and Node.
 */
export { isDicom, type DicomFile } from './parse';
export { readDicomSeries } from './series';
