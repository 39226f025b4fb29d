import { lazy } from 'react';
import type { TaskDescriptor } from '../../app/task';
import { createCtWorker } from './worker';
import { createCtSlice, type CtSlice } from './store';

export const ctTask: TaskDescriptor<'ct', CtSlice> = {
  id: 'ct',
  label: 'Chest CT',
  blurb: 'COVID-19 classification',
  View: lazy(() => import('./ui/CtView').then((m) => ({ default: m.CtView }))),
  createWorker: createCtWorker,
  slice: createCtSlice,
  openFiles: (files) => import('./actions').then((m) => m.openCtFiles(files)),
  abandon: () => import('./actions').then((m) => m.abandonCt()),
};
