import { create } from 'zustand';
import { createFaceSlice, type FaceSlice } from '../tasks/face/store';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice';

export type TaskId = 'faces' | 'mri' | 'ct' | 'chat';

export interface AppSlice {
  task: TaskId;
}

export type AppState = AppSlice & RuntimeSlice & FaceSlice;

/** The one store, built from slices; actions are module-level functions that call `useStore.setState`. */
export const useStore = create<AppState>()((...a) => ({
  task: 'faces',
  ...createRuntimeSlice(...a),
  ...createFaceSlice(...a),
}));

export function patchFace(patch: Partial<FaceSlice['face']>): void {
  useStore.setState((s) => ({ face: { ...s.face, ...patch } }));
}
