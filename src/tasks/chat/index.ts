import { lazy } from 'react';
import type { TaskDescriptor } from '../../app/task';
import { createChatWorker } from './worker';
import { createChatSlice, type ChatSlice } from './store';

export const chatTask: TaskDescriptor<'chat', ChatSlice> = {
  id: 'chat',
  label: 'Chat',
  blurb: 'Dictionary assistant (WordNet)',
  View: lazy(() => import('./ui/ChatView').then((m) => ({ default: m.ChatView }))),
  createWorker: createChatWorker,
  slice: createChatSlice,
  abandon: () => import('./actions').then((m) => m.abandonChat()),
};
