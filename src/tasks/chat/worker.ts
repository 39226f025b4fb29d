// The chat task's worker factory: the studio's lane and the benchmark start the same worker.
export function createChatWorker(name = 'chat'): Worker {
  return new Worker(new URL('../../../workers/chat.worker.ts', import.meta.url), { type: 'module', name });
}
