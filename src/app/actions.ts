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

/**
 * Switches the visible task; the one left stops what only makes sense on screen (the Faces camera). A switch the user
 * makes adds a history entry; one that Back/Forward made (`fromHistory`) must not, or it would cut the forward list.
 */
export function selectTask(task: TaskId, { fromHistory = false } = {}): void {
  const { task: from } = useStore.getState();
  if (from === task) return;
  void TASKS.find((t) => t.id === from)?.leave?.();
  useStore.setState({ task });
  // One history entry per tab: Back and Forward move between tabs, and the URL can be bookmarked or shared.
  if (!fromHistory && typeof location !== 'undefined' && location.hash !== `#${task}`) history.pushState(null, '', `${location.pathname}${location.search}#${task}`);
}

/** Hands files to another task (a scan dropped on Faces): switches to its tab and opens them there. */
export async function openInTask(task: TaskId, files: File[]): Promise<void> {
  selectTask(task);
  await TASKS.find((t) => t.id === task)?.openFiles?.(files);
}
