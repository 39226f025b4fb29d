import { lazy } from 'react';
import type { TaskDescriptor } from '../../app/task';
import { createMriSlice, type MriSlice } from './store';

export const mriTask: TaskDescriptor<'mri', MriSlice> = {
  id: 'mri',
  label: 'Cardiac MRI',
  blurb: 'RV / MYO / LV segmentation',
  View: lazy(() => import('./ui/MriView').then((m) => ({ default: m.MriView }))),
  slice: createMriSlice,
  abandon: () => import('./actions').then((m) => m.abandonMri()),
};
