import { lazy } from 'react';
import type { TaskDescriptor } from '../../app/task';
import { createFaceSlice, type FaceSlice } from './store';

export const faceTask: TaskDescriptor<'face', FaceSlice> = {
  id: 'face',
  label: 'Faces',
  blurb: 'Webcam and photos',
  View: lazy(() => import('./ui/FaceView').then((m) => ({ default: m.FaceView }))),
  slice: createFaceSlice,
  leave: () => import('./actions').then((m) => m.stopCamera()),
  abandon: () => import('./actions').then((m) => m.abandonFaces()),
};
