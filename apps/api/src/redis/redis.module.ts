import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { memoryLimiterStore, RATE_LIMIT_STORE, redisLimiterStore } from '../common/rate-limits.js';
import { AppConfig } from '../config/app-config.js';
import { closeRedis, openRedis, REDIS_CONNECTIONS, type RedisConnections } from './redis-connections.js';

/** Closes the connections last (after every module's destroy hook, which may still publish). */
@Injectable()
class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CONNECTIONS) private readonly connections: RedisConnections | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.connections) await closeRedis(this.connections);
  }
}

/**
 * Redis in scale-out mode (ATELIER_REDIS_URL): `REDIS_CONNECTIONS` is null without it, so the embedded
 * mode never connects anywhere. With it the boot waits for Redis (≤ 10 s) and checks it, and the rate
 * limits count in Redis, so a limit holds across replicas.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CONNECTIONS,
      inject: [AppConfig],
      useFactory: (config: AppConfig): Promise<RedisConnections | null> | null =>
        config.redis ? openRedis(config.redis.url, config.replicaId) : null,
    },
    {
      provide: RATE_LIMIT_STORE,
      inject: [REDIS_CONNECTIONS],
      useFactory: (connections: RedisConnections | null) =>
        connections ? redisLimiterStore(connections.command) : memoryLimiterStore,
    },
    RedisShutdown,
  ],
  exports: [REDIS_CONNECTIONS, RATE_LIMIT_STORE],
})
export class RedisModule {}
