/** A medical image volume as plain typed arrays: what NIfTI, ANALYZE, DICOM and slice-image readers all return. */
export interface Volume {
  /**
   * Voxel values after the file's rescale (DICOM RescaleSlope/Intercept, NIfTI scl_slope/scl_inter): Hounsfield
   * units for CT. Order: x (columns) fastest, then y (rows), z (slices), t (frames).
   */
  data: Float32Array;
  /** [nx, ny, nz, nt]; nt = 1 for a 3D volume. */
  dims: [number, number, number, number];
  /** Voxel size in mm: [dx, dy, dz]; dz is the distance between slice centres. */
  spacingMm: [number, number, number];
  /** 4×4 row-major matrix mapping voxel (i, j, k, 1) to world millimetres in RAS+ (NIfTI's convention). */
  affine: number[];
  source: {
    format: 'nifti' | 'analyze' | 'dicom' | 'image';
    /** File name, folder name, or "N files". */
    name: string;
    /** DICOM Modality (MR, CT…) when known. */
    modality?: string;
    /** Anything the user should know about how it was read, e.g. "8-bit slices: treated as already windowed". */
    note?: string;
    /** Image slices with colour in them (a photo, a screenshot): not a greyscale scan. */
    colour?: boolean;
  };
  /** The original NIfTI header bytes, so a label map can be exported with the source's geometry. */
  niftiHeader?: Uint8Array;
}

export function voxelCount(v: Pick<Volume, 'dims'>): number {
  return v.dims[0] * v.dims[1] * v.dims[2] * v.dims[3];
}

/** One 2D slice (frame t, slice z) as a view into the volume's data, x fastest. */
export function sliceOf(v: Volume, z: number, t = 0): Float32Array {
  const [nx, ny, nz] = v.dims;
  const n = nx * ny;
  const start = (t * nz + z) * n;
  return v.data.subarray(start, start + n);
}

/**
 * The volume with its voxels in shared memory where the page is cross-origin isolated, so posting it between the
 * main thread and a worker shares the buffer instead of copying it (elsewhere it is returned as it is).
 */
export function shareable(v: Volume): Volume {
  if (typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated !== true || v.data.buffer instanceof SharedArrayBuffer) return v;
  const data = new Float32Array(new SharedArrayBuffer(v.data.byteLength));
  data.set(v.data);
  return { ...v, data };
}
