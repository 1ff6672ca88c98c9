import { Global, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { describeDatabase } from '../config/database-config.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/redis-connections.js';
import { EmbeddedLeaderLease, LeaderLease } from './leader-lease.js';
import { PostgresSingleLease } from './postgres-single-lease.js';
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
 * The leader lease (cluster/leader-lease.ts): on Redis when ATELIER_REDIS_URL is set; on Postgres alone, a
 * lock that keeps a second replica from booting (postgres-single-lease.ts); else the embedded
 * always-leader. The boot waits for the first election attempt.
 */
@Global()
@Module({
  providers: [
    {
      provide: LeaderLease,
      inject: [AppConfig, REDIS_CONNECTIONS],
      useFactory: async (config: AppConfig, redis: RedisConnections | null): Promise<LeaderLease> => {
        const { database } = config;
        let lease: LeaderLease;
        if (redis) lease = new StoreLeaderLease(redisLeaseStore(redis.command), config.replicaId);
        else if (database.engine === 'postgres')
          lease = new PostgresSingleLease(database.url, describeDatabase(database));
        else return new EmbeddedLeaderLease();
        await lease.start();
        return lease;
      },
    },
    LeaseShutdown,
  ],
  exports: [LeaderLease],
})
export class LeaderLeaseModule {}
