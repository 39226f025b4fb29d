// The worker side of a task lane: one job at a time, each with its own AbortSignal, and the newest input wins.
import { LoupeError, throwIfAborted } from '../errors';

/**
 * Jobs of one worker. `run` aborts every earlier job (a new input supersedes the old one) and starts once the
 * previous job has settled, so two runs never interleave on one session; `cancel` aborts what is queued or
 * running. A job's loop stops at its next step: every session run first yields a macrotask (`yieldToEvents`),
 * which is when a cancel message gets in.
 */
export class Jobs {
  private readonly controllers = new Set<AbortController>();
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.cancel('superseded by a newer input');
    const controller = new AbortController();
    this.controllers.add(controller);
    const job = this.tail.then(() => {
      throwIfAborted(controller.signal);
      return fn(controller.signal);
    });
    this.tail = job.catch(() => undefined);
    return job.finally(() => this.controllers.delete(controller));
  }

  cancel(reason = 'cancelled'): void {
    for (const c of this.controllers) c.abort(new LoupeError('ABORTED', reason));
    this.controllers.clear();
  }

  /** Aborts every job and waits until the running one has stopped (before releasing its session, say). */
  async settle(): Promise<void> {
    this.cancel();
    await this.tail;
  }
}

let channel: MessageChannel | undefined;
const waiting: (() => void)[] = [];

/**
 * Resolves on the next macrotask. ONNX Runtime's WASM runs settle as microtasks, so a loop of runs never lets a
 * worker read its messages (a cancel, say) unless it yields like this; a MessageChannel avoids setTimeout's 4 ms clamp.
 */
export function yieldToEvents(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  // One channel for the worker's life (a new one per run cost about as much as a small model's run); in Node its
  // port keeps the process alive only while a yield is pending.
  if (!channel) {
    channel = new MessageChannel();
    const port = channel.port1 as MessagePort & { unref?(): void };
    port.onmessage = () => {
      waiting.shift()?.();
      if (!waiting.length) port.unref?.();
    };
    port.unref?.();
  }
  const { port1, port2 } = channel;
  return new Promise((resolve) => {
    waiting.push(resolve);
    (port1 as MessagePort & { ref?(): void }).ref?.();
    port2.postMessage(null);
  });
}
