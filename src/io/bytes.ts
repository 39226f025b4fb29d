/** Byte helpers shared by the file readers (DICOM, NIfTI). Pure. */

/** Bytes [start, end) as text, one character per byte (Latin-1); stops at the end of `b`. */
export function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, b.length); i++) s += String.fromCharCode(b[i]);
  return s;
}
