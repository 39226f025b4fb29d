import { describe, expect, it } from 'vitest';
import { Jobs, yieldToEvents } from './jobs';
import { throwIfAborted } from '../errors';

/** A job that runs `steps` steps, yielding between them like a worker loop over session runs. */
function steps(n: number, log: string[], name: string) {
  return async (signal: AbortSignal) => {
    for (let i = 0; i < n; i++) {
      throwIfAborted(signal, `${name} stopped after ${i} of ${n}`);
      log.push(`${name}${i}`);
      await yieldToEvents();
    }
    return name;
  };
}

describe('Jobs', () => {
  it('a new job aborts the previous one, which stops at its next step; they never interleave', async () => {
    const jobs = new Jobs();
    const log: string[] = [];
    const first = jobs.run(steps(100, log, 'a'));
    await yieldToEvents();
    await yieldToEvents();
    const second = jobs.run(steps(3, log, 'b'));
    await expect(first).rejects.toMatchObject({ name: 'ABORTED', message: expect.stringMatching(/^a stopped after \d of 100: superseded/) });
    await expect(second).resolves.toBe('b');
    const firstB = log.indexOf('b0');
    expect(log.slice(firstB)).toEqual(['b0', 'b1', 'b2']); // nothing of a after b started
    expect(firstB).toBeLessThan(10); // a stopped early
  });

  it('cancel() aborts the running job with ABORTED; the next job runs normally', async () => {
    const jobs = new Jobs();
    const log: string[] = [];
    const running = jobs.run(steps(100, log, 'a'));
    await yieldToEvents();
    jobs.cancel();
    await expect(running).rejects.toMatchObject({ name: 'ABORTED' });
    await expect(jobs.run(steps(2, log, 'b'))).resolves.toBe('b');
  });

  it('settle() waits until the running job has stopped', async () => {
    const jobs = new Jobs();
    let ended = false;
    void jobs.run(async (signal) => {
      while (!signal.aborted) await yieldToEvents();
      ended = true;
    }).catch(() => undefined);
    await yieldToEvents();
    await jobs.settle();
    expect(ended).toBe(true);
  });
});
