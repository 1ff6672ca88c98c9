import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { EventMeta } from './event-bus.js';
import { RedisEventBus } from './redis-event-bus.js';

/**
 * Pub/sub as Redis does it, in memory: every message goes to every subscriber of its channel, the sender
 * included, in publish order. The real server is exercised in test/services/redis-event-bus.spec.ts.
 */
class PubSub {
  private readonly subscribers = new Set<FakeSubscriber>();
  readonly sent: string[] = [];

  publisher(): Redis {
    return {
      publish: async (channel: string, message: string) => {
        this.sent.push(message);
        // Redis answers once it delivered: after the publisher's current turn.
        await Promise.resolve();
        for (const subscriber of this.subscribers)
          if (subscriber.channels.has(channel)) subscriber.emit('message', channel, message);
        return this.subscribers.size;
      },
    } as unknown as Redis;
  }

  subscriber(): Redis {
    const subscriber = new FakeSubscriber();
    this.subscribers.add(subscriber);
    return subscriber as unknown as Redis;
  }
}

class FakeSubscriber extends EventEmitter {
  readonly channels = new Set<string>();
  readonly status = 'ready';
  async subscribe(channel: string) {
    this.channels.add(channel);
  }
  async unsubscribe(channel: string) {
    this.channels.delete(channel);
  }
}

async function replicas(pubsub: PubSub, ...ids: string[]): Promise<RedisEventBus[]> {
  const buses = ids.map(
    (id) => new RedisEventBus(id, pubsub.publisher(), pubsub.subscriber(), 'atelier:events:0'),
  );
  for (const bus of buses) await bus.start();
  return buses;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('RedisEventBus', () => {
  it('brings an event to the any-replica subscribers of the other replicas, with its origin', async () => {
    const pubsub = new PubSub();
    const [a, b] = await replicas(pubsub, 'replica-a', 'replica-b');
    const heard: string[] = [];
    const metas: EventMeta[] = [];
    b!.subscribe(
      'comfy.backend_state',
      ({ backendId }, meta) => {
        heard.push(`b mirror ${backendId}`);
        metas.push(meta);
      },
      { from: 'any-replica' },
    );
    b!.subscribe('comfy.backend_state', ({ backendId }) => {
      heard.push(`b local-only ${backendId}`);
    });
    a!.subscribe(
      'comfy.backend_state',
      ({ backendId }, meta) => {
        heard.push(`a mirror ${backendId}`);
        metas.push(meta);
      },
      { from: 'any-replica' },
    );
    a!.subscribe('comfy.backend_state', ({ backendId }) => {
      heard.push(`a local-only ${backendId}`);
    });

    void a!.publish('comfy.backend_state', { backendId: 4, accepting: true });
    // Local handlers ran inside publish, as with the embedded bus.
    expect(heard).toEqual(['a mirror 4', 'a local-only 4']);
    await flush();
    // Its own message came back to A and was ignored: A's handlers ran once.
    expect(heard).toEqual(['a mirror 4', 'a local-only 4', 'b mirror 4']);
    expect(metas).toEqual([
      { origin: 'replica-a', local: true },
      { origin: 'replica-a', local: false },
    ]);
  });

  it('sends only the events of the codec table', async () => {
    const pubsub = new PubSub();
    const [a, b] = await replicas(pubsub, 'a', 'b');
    const heard: string[] = [];
    b!.subscribe('comfy.queue_status', () => void heard.push('queue_status'), { from: 'any-replica' });
    b!.subscribe('user.disabled', () => void heard.push('user.disabled'), { from: 'any-replica' });
    void a!.publish('comfy.queue_status', { generation: 1, queueRemaining: 0 });
    void a!.publish('user.disabled', { userId: 3 });
    await flush();
    expect(heard).toEqual(['user.disabled']);
    expect(pubsub.sent.map((text) => (JSON.parse(text) as { name: string }).name)).toEqual(['user.disabled']);
  });

  it('ignores messages it cannot read and hears nothing after stop', async () => {
    const pubsub = new PubSub();
    const [a, b] = await replicas(pubsub, 'a', 'b');
    const heard: number[] = [];
    b!.subscribe('user.disabled', ({ userId }) => void heard.push(userId), { from: 'any-replica' });
    await pubsub.publisher().publish('atelier:events:0', '{"v":9}');
    void a!.publish('user.disabled', { userId: 1 });
    await flush();
    await b!.stop();
    void a!.publish('user.disabled', { userId: 2 });
    await flush();
    expect(heard).toEqual([1]);
  });

  it('still runs local handlers while Redis is down, and warns once per outage', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    let down = true;
    const publisher = {
      publish: () => (down ? Promise.reject(new Error("Stream isn't writeable")) : Promise.resolve(1)),
    } as unknown as Redis;
    const bus = new RedisEventBus('a', publisher, new PubSub().subscriber(), 'atelier:events:0');
    const local: number[] = [];
    bus.subscribe('user.disabled', ({ userId }) => void local.push(userId));
    try {
      for (const userId of [1, 2, 3]) await bus.publish('user.disabled', { userId });
      await flush();
      expect(local).toEqual([1, 2, 3]);
      expect(warn).toHaveBeenCalledTimes(1);
      down = false;
      await bus.publish('user.disabled', { userId: 4 });
      await flush();
      down = true;
      await bus.publish('user.disabled', { userId: 5 });
      await flush();
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });
});
