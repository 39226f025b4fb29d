import { create } from 'zustand';
import { createFaceSlice, type FaceSlice } from '../tasks/face/store';
import { createMriSlice, type MriSlice } from '../tasks/mri/store';
import { createCtSlice, type CtSlice } from '../tasks/ct/store';
import { createLlmSlice, type LlmSlice } from '../tasks/llm/store';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice';

export type TaskId = 'faces' | 'mri' | 'ct' | 'chat' | 'bench';

export interface AppSlice {
  task: TaskId;
}

export type AppState = AppSlice & RuntimeSlice & FaceSlice & MriSlice & CtSlice & LlmSlice;

/** The one store, built from slices; actions are module-level functions that call `useStore.setState`. */
export const useStore = create<AppState>()((...a) => ({
  task: 'faces',
  ...createRuntimeSlice(...a),
  ...createFaceSlice(...a),
  ...createMriSlice(...a),
  ...createCtSlice(...a),
  ...createLlmSlice(...a),
}));

export function patchFace(patch: Partial<FaceSlice['face']>): void {
  useStore.setState((s) => ({ face: { ...s.face, ...patch } }));
}

export function patchMri(patch: Partial<MriSlice['mri']>): void {
  useStore.setState((s) => ({ mri: { ...s.mri, ...patch } }));
}

export function patchMriView(patch: Partial<MriSlice['mri']['view']>): void {
  useStore.setState((s) => ({ mri: { ...s.mri, view: { ...s.mri.view, ...patch } } }));
}

export function patchCt(patch: Partial<CtSlice['ct']>): void {
  useStore.setState((s) => ({ ct: { ...s.ct, ...patch } }));
}

export function patchCtView(patch: Partial<CtSlice['ct']['view']>): void {
  useStore.setState((s) => ({ ct: { ...s.ct, view: { ...s.ct.view, ...patch } } }));
}

export function patchLlm(patch: Partial<LlmSlice['llm']>): void {
  useStore.setState((s) => ({ llm: { ...s.llm, ...patch } }));
}
