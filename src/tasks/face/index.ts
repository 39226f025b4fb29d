import { lazy } from 'react';
import type { TaskDescriptor } from '../../app/task';
import { createFaceWorker } from './worker';
import { createFaceSlice, type FaceSlice } from './store';

export const faceTask: TaskDescriptor<'face', FaceSlice> = {
  id: 'face',
  label: 'Faces',
  blurb: 'Webcam and photos',
  View: lazy(() => import('./ui/FaceView').then((m) => ({ default: m.FaceView }))),
  createWorker: createFaceWorker,
  slice: createFaceSlice,
  leave: () => import('./actions').then((m) => m.stopCamera()),
  openFiles: (files) => import('./actions').then((m) => m.openFiles(files)),
  abandon: () => import('./actions').then((m) => m.abandonFaces()),
};
