import type { OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AppEventMap, AppEventName } from './app-events.js';
import { decodeClusterEvent, encodeClusterEvent } from './cluster-events.js';
import { EventBus } from './event-bus.js';

/**
 * The bus of scale-out mode: `publish` runs this replica's handlers exactly as the embedded bus does,
 * then sends the events listed in cluster-events.ts to the other replicas over Redis pub/sub. There
 * only `any-replica` subscriptions hear them, so a side effect subscribed with the default (audit,
 * webhooks, usage, auto-capture) still runs once, on the replica where the event happened.
 *
 * Delivery to other replicas is at most once and asynchronous (Redis pub/sub keeps nothing for a replica
 * that is disconnected): remote subscribers mirror state, they must not be the only record of anything.
 */
export class RedisEventBus extends EventBus implements OnModuleDestroy {
  /** Events that failed to go out since the last one that did. */
  private unsent = 0;
  private readonly listener = (channel: string, message: string) => {
    if (channel === this.channel) this.received(message);
  };

  /**
   * `channel`: `channelOf(command)`. `publisher` must not be in subscriber mode; `subscriber` is used for
   * nothing else. Call `start()` before the app serves.
   */
  constructor(
    replicaId: string,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    readonly channel: string,
  ) {
    super(replicaId);
  }

  async start(): Promise<void> {
    this.subscriber.on('message', this.listener);
    await this.subscriber.subscribe(this.channel);
  }

  /** Stops hearing other replicas (the connections themselves belong to the Redis module). */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  async stop(): Promise<void> {
    this.subscriber.off('message', this.listener);
    if (this.subscriber.status === 'ready') await this.subscriber.unsubscribe(this.channel).catch(() => {});
  }

  override publish<K extends AppEventName>(name: K, payload: AppEventMap[K]): Promise<void> {
    const local = super.publish(name, payload);
    const message = encodeClusterEvent(name, payload, this.replicaId);
    if (message !== null) {
      // Not awaited: local handlers never wait on Redis. One connection keeps the publish order.
      this.publisher.publish(this.channel, message).then(
        () => {
          this.unsent = 0;
        },
        (error: Error) => {
          // One warning per outage (progress events would repeat it many times a second).
          if (this.unsent++ === 0)
            this.logger.warn({ event: name, err: error }, 'Events cannot reach the other replicas');
        },
      );
    }
    return local;
  }

  private received(message: string): void {
    const event = decodeClusterEvent(message);
    if ('refused' in event) {
      this.logger.warn(`Ignoring a message on ${this.channel}: ${event.refused}`);
      return;
    }
    // Our own messages come back too: this replica's handlers ran when it published.
    if (event.origin === this.replicaId) return;
    void this.deliver(event.name, event.payload, { origin: event.origin, local: false });
  }
}

/**
 * The channel of one Atelier cluster. Pub/sub ignores Redis's logical databases, so the database number
 * of the URL is part of the name: installations (or test suites) on one Redis with different database
 * numbers never hear each other, as their keys never mix.
 */
export function channelOf(client: Redis): string {
  return `atelier:events:${client.options.db ?? 0}`;
}
