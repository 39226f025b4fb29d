import type { StateCreator } from 'zustand';
import type { UserError } from '../../errors';
import type { FaceModelId } from './core/models';
import type { StageTimes } from './core/pipeline';
import type { Face } from './core/types';
import { DEFAULT_SCORE_THRESHOLD } from './core/thresholds';

export type FaceStatus = 'idle' | 'loading' | 'running' | 'done' | 'error';

export interface FaceSource {
  kind: 'image' | 'camera';
  name: string;
  width: number;
  height: number;
  /** The still image, kept for display and PNG export. */
  bitmap?: ImageBitmap;
}

/** One photo of the gallery (its bitmap and cached detections live in actions.ts). */
export interface GalleryItem {
  id: number;
  name: string;
  width: number;
  height: number;
}

export interface FaceSlice {
  face: {
    model: FaceModelId;
    accurate: boolean;
    scoreThreshold: number;
    /** Scores and keypoints on the overlay (boxes always). */
    showLabels: boolean;
    /** Pixelate every detected face on screen, in exports and in recordings. */
    anonymise: boolean;
    /** A WebM recording of the live (anonymised) view is running. */
    recording?: boolean;
    status: FaceStatus;
    source?: FaceSource;
    /** Every face above the detection floor; the view filters by `scoreThreshold`. */
    faces: Face[];
    times?: StageTimes;
    passes: number;
    error?: UserError;
    /** Scans dropped here by mistake (DICOM, NIfTI): the view offers to open them in the MRI or CT tab. */
    scanOffer?: File[];
    /** The dropped or picked photos; `selected` is the one shown (and exported). */
    gallery: GalleryItem[];
    selected?: number;
    /** Per-file messages of the last drop: files that are not readable images, photos over the gallery's cap. */
    galleryNotes: string[];
    camera: { active: boolean; deviceId?: string; devices: { deviceId: string; label: string }[]; fps: number };
  };
}

export const createFaceSlice: StateCreator<FaceSlice> = () => ({
  face: {
    model: 'blazeface-short',
    accurate: false,
    scoreThreshold: DEFAULT_SCORE_THRESHOLD,
    anonymise: false,
    showLabels: true,
    status: 'idle',
    faces: [],
    passes: 0,
    gallery: [],
    galleryNotes: [],
    camera: { active: false, devices: [], fps: 0 },
  },
});
