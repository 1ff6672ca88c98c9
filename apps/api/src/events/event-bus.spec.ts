import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';

const change = { userId: 7 };

describe('EventBus', () => {
  it('calls handlers synchronously, in subscription order, inside publish', () => {
    const bus = new EventBus();
    const calls: string[] = [];
    bus.subscribe('user.disabled', ({ userId }) => {
      calls.push(`first ${userId}`);
    });
    bus.subscribe('user.disabled', ({ userId }) => {
      calls.push(`second ${userId}`);
    });
    void bus.publish('user.disabled', change);
    calls.push('after publish');
    expect(calls).toEqual(['first 7', 'second 7', 'after publish']);
  });

  it('keeps a failing handler from the publisher and from the other handlers', async () => {
    const bus = new EventBus();
    const calls: string[] = [];
    bus.subscribe('user.disabled', () => {
      throw new Error('boom');
    });
    bus.subscribe('user.disabled', async () => {
      await Promise.resolve();
      throw new Error('async boom');
    });
    bus.subscribe('user.disabled', () => {
      calls.push('still called');
    });
    await expect(bus.publish('user.disabled', change)).resolves.toBeUndefined();
    expect(calls).toEqual(['still called']);
  });

  it('settles publish once the async handlers have', async () => {
    const bus = new EventBus();
    let finished = false;
    bus.subscribe('user.disabled', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    });
    await bus.publish('user.disabled', change);
    expect(finished).toBe(true);
  });

  it('stops calling a handler once unsubscribed, and only for that name', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.subscribe('user.disabled', () => {
      seen.push('user');
    });
    bus.subscribe('comfy.queue_status', ({ queueRemaining }) => {
      seen.push(`queue ${queueRemaining}`);
    });
    void bus.publish('comfy.queue_status', { generation: 1, queueRemaining: 2 });
    off();
    void bus.publish('user.disabled', change);
    expect(seen).toEqual(['queue 2']);
  });
});
