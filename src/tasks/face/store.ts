import type { StateCreator } from 'zustand';
import type { UserError } from '../../errors';
import type { FaceModelId } from './core/models';
import type { StageTimes } from './core/pipeline';
import type { Face } from './core/types';

export type FaceStatus = 'idle' | 'loading' | 'running' | 'done' | 'error';

export interface FaceSource {
  kind: 'image' | 'camera';
  name: string;
  width: number;
  height: number;
  /** The still image, kept for display and PNG export. */
  bitmap?: ImageBitmap;
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
    camera: { active: boolean; deviceId?: string; devices: { deviceId: string; label: string }[]; fps: number };
  };
}

export const createFaceSlice: StateCreator<FaceSlice> = () => ({
  face: {
    model: 'blazeface-short',
    accurate: false,
    scoreThreshold: 0.5,
    anonymise: false,
    showLabels: true,
    status: 'idle',
    faces: [],
    passes: 0,
    camera: { active: false, devices: [], fps: 0 },
  },
});
