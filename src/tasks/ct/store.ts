import type { StateCreator } from 'zustand';
import { CT_MODEL_ID } from './runner';
import type { Volume } from '../../io/volume';
import type { UserError } from '../../errors';
import type { CtClass, CtResult } from './core/classify';
import type { CtWindow } from './core/preprocess';
import type { CtRejection } from './core/refuse';

export type CtStatus = 'idle' | 'loading' | 'reading' | 'running' | 'done' | 'error';

export interface CtSlice {
  ct: {
    status: CtStatus;
    /** The scan in HU (8-bit slice images converted as lung-windowed). */
    volume?: Volume;
    result?: CtResult;
    /** Why the open scan was refused (not a chest CT in HU): no probabilities, no activation map. */
    rejection?: CtRejection;
    inferMs?: number;
    progress?: { done: number; total: number };
    error?: UserError;
    model?: { name: string; custom: boolean; hasCam: boolean };
    /** The shipped model the scans run through when no custom one is loaded (one of CT_MODELS). */
    modelId: string;
    /** The server does not serve the default model (e.g. a build without it): a custom model is needed to classify. */
    defaultMissing?: boolean;
    view: { z: number; preset: CtWindow; showCam: boolean; camClass: CtClass; opacity: number };
  };
}

export const createCtSlice: StateCreator<CtSlice> = () => ({
  ct: { status: 'idle', modelId: CT_MODEL_ID, view: { z: 0, preset: 'lung', showCam: true, camClass: 'covid19', opacity: 0.5 } },
});
