import type { ProviderPreference } from '../runtime/backend';
import { resumeFaces, stopCamera } from '../tasks/face/actions';
import { cancelMri } from '../tasks/mri/actions';
import { cancelCt } from '../tasks/ct/actions';
import { abandonChat } from '../tasks/llm/actions';
import { useStore } from './store';
import { resetWorkers } from './workers';

/** A new execution-provider choice: stop live work, start fresh workers, and resume what was on screen. */
export async function setPreference(preference: ProviderPreference): Promise<void> {
  const wasLive = useStore.getState().face.camera.active;
  if (wasLive) stopCamera();
  cancelMri({ abandon: true });
  cancelCt({ abandon: true });
  abandonChat();
  resetWorkers();
  useStore.setState({ preference, backend: undefined });
  await resumeFaces(wasLive);
}
