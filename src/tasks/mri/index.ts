import { lazy } from 'react';
import type { TaskDescriptor } from '../../app/task';
import { createMriWorker } from './worker';
import { createMriSlice, type MriSlice } from './store';

export const mriTask: TaskDescriptor<'mri', MriSlice> = {
  id: 'mri',
  label: 'Cardiac MRI',
  blurb: 'RV / MYO / LV segmentation',
  View: lazy(() => import('./ui/MriView').then((m) => ({ default: m.MriView }))),
  createWorker: createMriWorker,
  slice: createMriSlice,
  openFiles: (files) => import('./actions').then((m) => m.openMriFiles(files)),
  abandon: () => import('./actions').then((m) => m.abandonMri()),
};
