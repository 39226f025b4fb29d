/**
 * Errors cross the worker boundary as `name` + `message` only, so the stable code travels in `name`.
 * One table maps each code to what a user reads: what happened, and what to do.
 */
export const ERROR_CODES = [
  'UNSUPPORTED_FILE',
  'EMPTY_FILE',
  'CORRUPT_IMAGE',
  'CORRUPT_VOLUME',
  'UNSUPPORTED_COMPRESSION',
  'INCONSISTENT_SERIES',
  'INCOMPLETE_PAIR',
  'MODEL_FETCH_FAILED',
  'MODEL_INTEGRITY',
  'MANIFEST_INVALID',
  'WEBGPU_UNAVAILABLE',
  'INPUT_SHAPE_MISMATCH',
  'OUT_OF_MEMORY',
  'CAMERA_DENIED',
  'CAMERA_NOT_FOUND',
  'CAMERA_BUSY',
  'INFERENCE_FAILED',
  'NOT_CARDIAC_MRI',
  'NOT_CHEST_CT',
  'WORKER_CRASHED',
  'ABORTED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class LoupeError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail: string,
  ) {
    super(detail);
    this.name = code;
  }
}

export const ERROR_ADVICE: Record<ErrorCode, { title: string; action: string }> = {
  UNSUPPORTED_FILE: { title: 'That file is not an image Loupe can read.', action: 'Use a JPEG, PNG, WebP, GIF or BMP picture.' },
  EMPTY_FILE: { title: 'That file is empty (0 bytes).', action: 'It may not have finished downloading or copying: get it again, then open it.' },
  CORRUPT_IMAGE: { title: 'That image could not be decoded: the file looks damaged or truncated.', action: 'Re-export or re-download it, or try another picture.' },
  CORRUPT_VOLUME: { title: 'That scan could not be read: the file is damaged, truncated or not what its name says.', action: 'Check the export from the scanner or PACS and try again, or try another file.' },
  UNSUPPORTED_COMPRESSION: { title: 'That DICOM file uses a compression Loupe cannot decode in the browser.', action: 'Export the series uncompressed (Explicit VR Little Endian), e.g. `gdcmconv --raw in.dcm out.dcm`, then drop it again.' },
  INCONSISTENT_SERIES: { title: 'Those DICOM files do not form one image series (sizes or orientations differ).', action: 'Drop the files of a single series (one folder per series).' },
  INCOMPLETE_PAIR: { title: 'Half of that scan is missing: it is stored as two files, a .hdr header and a .img with the voxels.', action: 'Drop or pick both files of the pair together (the missing one is named below).' },
  MODEL_FETCH_FAILED: { title: 'The model files could not be downloaded.', action: 'Check that the studio is still being served, then reload the page.' },
  MODEL_INTEGRITY: { title: 'A downloaded model file does not match its manifest (size or SHA-256).', action: 'Reload to fetch it again; if it persists, run `npm run models` on the server.' },
  MANIFEST_INVALID: { title: 'The model manifest is malformed.', action: 'Fix the manifest.json named below; it must match the schema in src/runtime/manifest.ts.' },
  WEBGPU_UNAVAILABLE: { title: 'WebGPU is not available in this browser or on this GPU.', action: 'Choose WASM (CPU) in the backend menu, or use a recent Chrome/Edge with WebGPU enabled.' },
  INPUT_SHAPE_MISMATCH: { title: 'The model did not accept the input it was given.', action: 'The model and its manifest disagree; use the model shipped with Loupe.' },
  OUT_OF_MEMORY: { title: 'The browser ran out of memory running the model.', action: 'Close other tabs, use a smaller image, or switch to the WASM backend.' },
  CAMERA_DENIED: { title: 'Camera access was refused.', action: "Allow the camera in the browser's site settings (the icon left of the address), then press Start again." },
  CAMERA_NOT_FOUND: { title: 'No camera was found.', action: 'Connect a camera, or drop a photo instead.' },
  CAMERA_BUSY: { title: 'The camera is in use by another application or could not start.', action: 'Close other apps using the camera and press Start again.' },
  INFERENCE_FAILED: { title: 'The model failed while running.', action: 'Try again; if it repeats, switch the backend to WASM.' },
  NOT_CARDIAC_MRI: { title: 'This does not look like a cardiac short-axis MRI, so nothing was measured.', action: 'The MRI model reads short-axis cine MRI of the heart only (DICOM MR, NIfTI, or slice images). Open such a series; the reason is below.' },
  NOT_CHEST_CT: { title: 'This does not look like a chest CT the classifier can read, so it gave no diagnosis.', action: 'The CT model reads axial chest CT in Hounsfield units covering the lungs (a DICOM CT series, a NIfTI volume, or lung-windowed slice images you mark as such). The reason is below.' },
  WORKER_CRASHED: { title: "This task's background worker stopped unexpectedly.", action: 'Run it again: a fresh worker starts. What is on screen and the other tasks are not affected.' },
  ABORTED: { title: 'Cancelled.', action: '' },
};

export interface UserError {
  code: ErrorCode;
  title: string;
  action: string;
  detail: string;
}

function isErrorCode(name: unknown): name is ErrorCode {
  return typeof name === 'string' && (ERROR_CODES as readonly string[]).includes(name);
}

/** What a task says instead of the generic advice for some codes (a scan tab does not ask for a JPEG). */
export type AdviceOverrides = Partial<Record<ErrorCode, { title: string; action: string }>>;

/** The headlines of the scan tabs (MRI, CT). */
export const SCAN_ADVICE: AdviceOverrides = {
  UNSUPPORTED_FILE: { title: 'That file is not a scan Loupe can read.', action: 'Use a NIfTI file (.nii, .nii.gz), an ANALYZE .hdr/.img pair, a DICOM series (files or a folder), or a stack of PNG/JPEG slices.' },
};

/** Turns anything thrown (here or in a worker) into the message a user reads, in the words of the task it happened in. */
export function toUserError(error: unknown, fallback: ErrorCode = 'INFERENCE_FAILED', overrides: AdviceOverrides = {}): UserError {
  const name = (error as { name?: unknown })?.name;
  const message = String((error as { message?: unknown })?.message ?? error);
  let code: ErrorCode = isErrorCode(name) ? name : fallback;
  if (!isErrorCode(name) && /out of memory|allocation failed|RangeError: Array buffer allocation/i.test(message)) code = 'OUT_OF_MEMORY';
  if (name === 'AbortError') code = 'ABORTED';
  return { code, ...ERROR_ADVICE[code], ...overrides[code], detail: message };
}

/**
 * Whether a model load failed because the server has no such model: a 404 (MODEL_FETCH_FAILED), or a dev/preview
 * server's SPA fallback answering the manifest URL with index.html ("not JSON").
 */
export function isModelMissing(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  const message = String((error as { message?: unknown })?.message ?? error);
  return name === 'MODEL_FETCH_FAILED' || (name === 'MANIFEST_INVALID' && /not JSON/.test(message));
}

/** Throws the signal's reason as a coded ABORTED error (`detail` says how far the job got). */
export function throwIfAborted(signal: AbortSignal | undefined, detail?: string): void {
  if (!signal?.aborted) return;
  const reason = signal.reason as { message?: string } | undefined;
  throw new LoupeError('ABORTED', [detail, reason?.message].filter(Boolean).join(': ') || 'cancelled');
}
