import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/redis-connections.js';
import { EventBus } from './event-bus.js';
import { channelOf, RedisEventBus } from './redis-event-bus.js';

/**
 * The event bus. Import it where events are published or handled (one instance per app): the in-process
 * bus, or with Redis configured (scale-out mode) the one that also carries events between replicas.
 */
@Module({
  providers: [
    {
      provide: EventBus,
      inject: [
        { token: AppConfig, optional: true },
        { token: REDIS_CONNECTIONS, optional: true },
      ],
      useFactory: async (config?: AppConfig, redis?: RedisConnections | null): Promise<EventBus> => {
        if (!redis) return new EventBus(config?.replicaId);
        const bus = new RedisEventBus(
          config?.replicaId ?? 'local',
          redis.command,
          redis.subscriber,
          channelOf(redis.command),
        );
        await bus.start();
        return bus;
      },
    },
  ],
  exports: [EventBus],
})
export class EventsModule {}
