import type { StateCreator } from 'zustand';
import type { StackLayout } from '../../io/slices';
import type { Volume } from '../../io/volume';
import type { UserError } from '../../errors';
import type { Rejection } from './core/anatomy';
import type { MriMeasures, Segmentation } from './core/pipeline';
import { MRI_MODEL_ID } from './runner';

export type MriStatus = 'idle' | 'loading' | 'reading' | 'running' | 'done' | 'error';
export type OverlayMode = 'filled' | 'contour';

export interface MriView {
  z: number;
  t: number;
  /** Window centre and width, in the volume's units. */
  level: number;
  window: number;
  zoom: number;
  panX: number;
  panY: number;
  overlay: boolean;
  opacity: number;
  mode: OverlayMode;
  /** Per class (RV, MYO, LV) visibility. */
  classes: [boolean, boolean, boolean];
  field: boolean;
}

export interface MriSlice {
  mri: {
    status: MriStatus;
    volume?: Volume;
    segmentation?: Segmentation;
    measures?: MriMeasures;
    /** Chosen ED / ES frames (start as the suggestion). */
    ed: number;
    es: number;
    progress?: { done: number; total: number };
    /** An image stack as read, and how the user says it maps onto slices and frames (images carry no geometry). */
    stack?: { original: Volume; layout: StackLayout };
    /** Why the open scan was refused (not a cardiac short-axis MRI): no labels, no measurements. */
    rejection?: Rejection;
    /** How far the run of the scan this one replaced got before it stopped (e.g. "stopped after 3 of 40 slices"). */
    replaced?: string;
    inferMs?: number;
    error?: UserError;
    view: MriView;
    /** The model the scans run through (one of MRI_MODELS). */
    modelId: string;
  };
}

export const INITIAL_VIEW: MriView = { z: 0, t: 0, level: 0, window: 1, zoom: 1, panX: 0, panY: 0, overlay: true, opacity: 0.45, mode: 'filled', classes: [true, true, true], field: false };

export const createMriSlice: StateCreator<MriSlice> = () => ({
  mri: { status: 'idle', ed: 0, es: 0, view: INITIAL_VIEW, modelId: MRI_MODEL_ID },
});
