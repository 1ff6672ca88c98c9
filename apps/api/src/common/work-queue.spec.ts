import { describe, expect, it } from 'vitest';
import { WorkQueue, WorkQueueFullError } from './work-queue.js';

/** A task that runs until `finish` is called, recording when it started. */
function controlledTask(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      log.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('runs at most `concurrency` tasks at once and the rest in arrival order', async () => {
    const queue = new WorkQueue({ concurrency: 2, maxQueued: 10, maxWaitMs: 60_000 });
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((name) => controlledTask(log, name));
    const results = tasks.map((task) => queue.run(task.run));
    await tick();
    expect(log).toEqual(['a', 'b']);
    expect([queue.running, queue.queued]).toEqual([2, 3]);

    tasks[1]!.finish();
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    for (const task of tasks) task.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([queue.running, queue.queued]).toEqual([0, 0]);
  });

  it('refuses at once past maxQueued, with a retry estimate', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 1, maxWaitMs: 60_000 });
    const log: string[] = [];
    const tasks = ['a', 'b'].map((name) => controlledTask(log, name));
    const admitted = tasks.map((task) => queue.run(task.run));
    const refused = queue.run(() => Promise.resolve('c'));
    await expect(refused).rejects.toBeInstanceOf(WorkQueueFullError);
    await expect(refused).rejects.toMatchObject({ retryAfterMs: expect.any(Number) as number });
    for (const task of tasks) task.finish();
    expect(await Promise.all(admitted)).toEqual(['a', 'b']);
  });

  it('tells ahead of time whether a task would be refused (assertRoom), without taking a place', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 1, maxWaitMs: 60_000 });
    const log: string[] = [];
    const [a, b] = [controlledTask(log, 'a'), controlledTask(log, 'b')];
    queue.assertRoom(); // a free slot
    const first = queue.run(a.run);
    queue.assertRoom(); // a place in line
    const second = queue.run(b.run);
    expect(() => queue.assertRoom()).toThrow(WorkQueueFullError);
    expect([queue.running, queue.queued]).toEqual([1, 1]);
    a.finish();
    b.finish();
    await Promise.all([first, second]);
    queue.assertRoom();
  });

  it('drops a waiting task whose signal aborts, and frees its place', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 1, maxWaitMs: 60_000 });
    const log: string[] = [];
    const first = controlledTask(log, 'first');
    const running = queue.run(first.run);
    const controller = new AbortController();
    const abandoned = queue.run(() => Promise.resolve('abandoned'), controller.signal);
    controller.abort(new Error('Request aborted'));
    await expect(abandoned).rejects.toThrow('Request aborted');
    expect(queue.queued).toBe(0);
    const next = queue.run(() => Promise.resolve('next'));
    first.finish();
    expect(await Promise.all([running, next])).toEqual(['first', 'next']);
    await expect(queue.run(() => Promise.resolve('x'), AbortSignal.abort())).rejects.toBeDefined();
  });

  it('drops a task that has waited longer than maxWaitMs', async () => {
    // Untimed tasks are estimated at 50 ms: the second is admitted, then waits past the bound.
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 60 });
    const log: string[] = [];
    const first = controlledTask(log, 'first');
    const running = queue.run(first.run);
    const late = queue.run(() => Promise.resolve('late'));
    expect(queue.queued).toBe(1);
    await expect(late).rejects.toBeInstanceOf(WorkQueueFullError);
    expect(queue.queued).toBe(0);
    first.finish();
    expect(await running).toBe('first');
    expect(log).toEqual(['first']);
  });

  it('refuses at once a task whose estimated wait is longer than maxWaitMs', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 40 });
    const log: string[] = [];
    const first = controlledTask(log, 'first');
    const running = queue.run(first.run);
    const refused = queue.run(() => Promise.resolve('refused'));
    expect(queue.queued).toBe(0);
    await expect(refused).rejects.toBeInstanceOf(WorkQueueFullError);
    first.finish();
    expect(await running).toBe('first');
  });
});
