import { Global, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/redis-connections.js';
import { EmbeddedLeaderLease, LeaderLease } from './leader-lease.js';
import { redisLeaseStore, StoreLeaderLease } from './redis-leader-lease.js';

/**
 * Hands the lease over when the app closes (before the Redis connections close, in their shutdown
 * hook), so another replica takes over within a retry instead of waiting for the ttl.
 */
@Injectable()
class LeaseShutdown implements OnModuleDestroy {
  constructor(@Inject(LeaderLease) private readonly lease: LeaderLease) {}

  async onModuleDestroy(): Promise<void> {
    await this.lease.stop();
  }
}

/**
 * The leader lease (cluster/leader-lease.ts): on Redis when ATELIER_REDIS_URL is set, else the embedded
 * always-leader. The boot waits for the first election attempt.
 */
@Global()
@Module({
  providers: [
    {
      provide: LeaderLease,
      inject: [AppConfig, REDIS_CONNECTIONS],
      useFactory: async (config: AppConfig, redis: RedisConnections | null): Promise<LeaderLease> => {
        if (!redis) return new EmbeddedLeaderLease();
        const lease = new StoreLeaderLease(redisLeaseStore(redis.command), config.replicaId);
        await lease.start();
        return lease;
      },
    },
    LeaseShutdown,
  ],
  exports: [LeaderLease],
})
export class LeaderLeaseModule {}
