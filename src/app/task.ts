import type { ComponentType, LazyExoticComponent } from 'react';
import type { StateCreator } from 'zustand';

/**
 * What a task gives the app shell: one descriptor in `src/tasks/<id>/index.ts`, listed once in `registry.ts`. The shell
 * builds the navigation, the views and the store from these; the benchmark starts the same workers through
 * `createWorker`; the CLI command lives in `cli/<id>.ts` and the benchmark items in `src/bench/items/`, by the same id.
 * A descriptor imports only its store slice statically (actions and views import the store: no cycle at load).
 */
export interface TaskDescriptor<Id extends string = string, Slice extends object = object> {
  id: Id;
  label: string;
  blurb: string;
  /** The view, loaded on first show (its chunk holds the task's actions and UI; the shell loads none of them up front). */
  View: LazyExoticComponent<ComponentType>;
  /** Starts the task's worker (`name` labels it in the browser's tools); its lane and the benchmark both use it. */
  createWorker(name?: string): Worker;
  /** The task's part of the one store (`state[id]`), with its initial values. */
  slice: StateCreator<Slice>;
  /** Opens files in this task (another tab hands it files that are not its own, e.g. a scan dropped on Faces). */
  openFiles?(files: File[]): Promise<void>;
  /** Leaving the task's tab: stop what only makes sense on screen (the camera). */
  leave?(): Promise<void>;
  /** Its worker is about to be dropped (new backend): settle the view; the returned function resumes the work. */
  abandon?(): Promise<(() => Promise<void>) | void>;
}
