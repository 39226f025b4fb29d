// The main thread's side of the task workers: one lane per task. A lane starts its worker lazily (initialised with
// the runtime preference), runs one job at a time with an AbortController, and a new job aborts the previous one.
import type { BackendInfo } from './backend';
import type { RuntimeOptions } from './browser';
import type { LoadProgress, OnProgress } from './fetchModel';
import { LoupeError } from '../errors';
import { Comlink, wrapWorker, type WorkerHandle } from './worker';

/** What every task worker exposes (plus its own `load`, `run` and named extras). */
export interface WorkerContract {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo>;
  /** Aborts the job queued or running in the worker; it stops at its next slice / step / frame. */
  cancel(): void;
  dispose(): Promise<void>;
}

/** What the lanes need from the app: the runtime choice and where progress and backend changes go. */
export interface LaneHost {
  options(): RuntimeOptions;
  onProgress(event: LoadProgress): void;
  onBackend(task: string, backend: BackendInfo): void;
}

/** The rejection of a job that a newer job (or a reset) replaced: nothing to show, the newer one reports. */
export class Superseded extends Error {
  override name = 'SUPERSEDED';
}

export function isSuperseded(error: unknown): boolean {
  return error instanceof Superseded;
}

let host: LaneHost = {
  options: () => ({ preference: 'auto' }),
  onProgress: () => undefined,
  onBackend: () => undefined,
};
const lanes = new Set<Lane<WorkerContract>>();

/** Called once by the app shell before any lane starts a worker. */
export function setLaneHost(h: LaneHost): void {
  host = h;
}

/** Every lane drops its worker (a new execution provider or thread count needs fresh workers); running jobs are superseded. */
export function resetLanes(): void {
  for (const lane of lanes) lane.reset();
}

interface Started<T> {
  handle: WorkerHandle<T>;
  ready: Promise<BackendInfo>;
  /** Rejects when the worker dies. */
  died: Promise<never>;
}

export class Lane<T extends WorkerContract> {
  private started: Started<T> | undefined;
  private current: AbortController | undefined;

  constructor(
    readonly task: string,
    private readonly create: () => Worker,
  ) {
    lanes.add(this as unknown as Lane<WorkerContract>);
  }

  /** The worker, started on first use; `ready` settles once its runtime is initialised. */
  worker(): { api: Comlink.Remote<T>; ready: Promise<BackendInfo> } {
    if (!this.started) {
      const worker = this.create();
      const handle = wrapWorker<T>(worker);
      const died = new Promise<never>((_, reject) => {
        worker.addEventListener('error', (e) => {
          e.preventDefault();
          const detail = `the ${this.task} worker stopped (${e.message || 'crashed'})`;
          // The job fails with this message (the view says what happened); the next job starts a fresh worker.
          if (this.started?.handle === handle) this.drop();
          reject(new LoupeError('WORKER_CRASHED', detail));
        });
      });
      died.catch(() => undefined);
      const ready = handle.api.init(host.options(), Comlink.proxy(host.onProgress));
      const started: Started<T> = { handle, ready, died };
      this.started = started;
      ready.then(
        (backend) => host.onBackend(this.task, backend),
        () => this.started === started && this.drop(),
      );
    }
    return { api: this.started.handle.api, ready: this.started.ready };
  }

  /**
   * Runs one job: aborts the lane's previous job (its promise rejects with `Superseded`), waits for the worker, then
   * `fn(api, signal)`. The returned promise rejects as soon as the job is aborted or the worker dies; the worker
   * stops the job at its next step on its own (`onSuperseded` hears how far it got, when a newer job replaced it).
   */
  async run<R>(fn: (api: Comlink.Remote<T>, signal: AbortSignal) => Promise<R>, { onSuperseded }: { onSuperseded?: (detail: string) => void } = {}): Promise<R> {
    this.supersede();
    const controller = new AbortController();
    this.current = controller;
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
    aborted.catch(() => undefined);
    try {
      const { api, ready } = this.worker();
      const died = this.started!.died;
      await Promise.race([ready, aborted, died]);
      const work = fn(api, controller.signal);
      // A superseded job still ends in the worker, at its next step; its message says how far it got.
      work.catch((e: unknown) => controller.signal.reason instanceof Superseded && onSuperseded?.(String((e as Error)?.message ?? e)));
      return await Promise.race([work, aborted, died]);
    } finally {
      if (this.current === controller) this.current = undefined;
    }
  }

  /** The user's Cancel: the job rejects with ABORTED and the worker stops it at its next step. */
  cancel(detail = 'cancelled'): void {
    this.abortWith(new LoupeError('ABORTED', detail));
  }

  /** The job is no longer wanted (a newer input, leaving the task): it rejects with `Superseded`. */
  supersede(): void {
    this.abortWith(new Superseded('superseded'));
  }

  /** Asks the worker to end the job early and let it resolve with what it has (chat's Stop keeps the text written). */
  finishEarly(): void {
    if (this.current && this.started) void this.started.handle.api.cancel().catch(() => undefined);
  }

  private abortWith(reason: Error): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    c.abort(reason);
    if (this.started) void this.started.handle.api.cancel().catch(() => undefined);
  }

  /** Drops the worker (its job is superseded); the next job starts a fresh one. */
  reset(): void {
    this.supersede();
    this.drop();
  }

  private drop(): void {
    this.started?.handle.terminate();
    this.started = undefined;
  }
}
