import { create, type StateCreator } from 'zustand';
import { setLaneHost } from '../runtime/bridge';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice';
import { TASKS } from './registry';

type Registered = (typeof TASKS)[number];
/** A task's id, or the benchmark panel (a view of the shell, not a task). */
export type TaskId = Registered['id'] | 'bench';
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** The store parts of all registered tasks (each slice holds its state under the task's id). */
type TaskSlices = UnionToIntersection<Registered extends { slice: (...args: never[]) => infer S } ? S : never>;

export interface AppSlice {
  task: TaskId;
}

export type AppState = AppSlice & RuntimeSlice & TaskSlices;

/** The one store, built from slices; actions are module-level functions that call `useStore.setState`. */
export const useStore = create<AppState>()((...a) => {
  const slices = TASKS.map((t) => (t.slice as StateCreator<object>)(...(a as Parameters<StateCreator<object>>)));
  return Object.assign({ task: TASKS[0].id as TaskId }, createRuntimeSlice(...(a as Parameters<StateCreator<RuntimeSlice>>)), ...slices) as AppState;
});

setLaneHost({
  options: () => ({ preference: useStore.getState().preference, threads: useStore.getState().threads }),
  onProgress: (event) => useStore.setState((s) => ({ progress: { ...s.progress, [event.file]: event } })),
  onBackend: (_task, backend) => useStore.setState({ backend }),
});
