import { lazy } from 'react';
import type { TaskDescriptor } from '../../app/task';
import { createCtSlice, type CtSlice } from './store';

export const ctTask: TaskDescriptor<'ct', CtSlice> = {
  id: 'ct',
  label: 'Chest CT',
  blurb: 'COVID-19 classification',
  View: lazy(() => import('./ui/CtView').then((m) => ({ default: m.CtView }))),
  slice: createCtSlice,
  abandon: () => import('./actions').then((m) => m.abandonCt()),
};
