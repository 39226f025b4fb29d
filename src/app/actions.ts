import type { ProviderPreference } from '../runtime/backend';
import { resetLanes } from '../runtime/bridge';
import { TASKS } from './registry';
import { useStore, type TaskId } from './store';

/** A new execution-provider choice: every lane drops its worker (jobs superseded), then each task resumes what was on screen. */
export async function setPreference(preference: ProviderPreference): Promise<void> {
  const resumes = await Promise.all(TASKS.map((t) => t.abandon?.()));
  resetLanes();
  useStore.setState({ preference, backend: undefined });
  await Promise.all(resumes.map((resume) => resume?.()));
}

/** Switches the visible task; the one left stops what only makes sense on screen (the Faces camera). */
export function selectTask(task: TaskId): void {
  const { task: from } = useStore.getState();
  if (from === task) return;
  void TASKS.find((t) => t.id === from)?.leave?.();
  useStore.setState({ task });
  if (typeof location !== 'undefined' && location.hash !== `#${task}`) history.replaceState(null, '', `${location.pathname}${location.search}#${task}`);
}
