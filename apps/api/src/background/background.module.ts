import { Global, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/redis-connections.js';
import { BackgroundJobs } from './background-jobs.js';
import { BullmqBackgroundJobs } from './bullmq-background-jobs.js';
import { EmbeddedBackgroundJobs } from './embedded-background-jobs.js';

/** Stops the workers when the app closes, letting running jobs finish while the database is open. */
@Injectable()
class BackgroundShutdown implements OnModuleDestroy {
  constructor(@Inject(BackgroundJobs) private readonly jobs: BackgroundJobs) {}

  async onModuleDestroy(): Promise<void> {
    await this.jobs.close();
  }
}

/**
 * `BackgroundJobs` for every feature: BullMQ on the Redis of ATELIER_REDIS_URL (after the Redis module's
 * boot checks, noeviction included: BullMQ loses jobs on an evicting Redis), else in this process.
 */
@Global()
@Module({
  providers: [
    {
      provide: BackgroundJobs,
      inject: [AppConfig, REDIS_CONNECTIONS],
      useFactory: (config: AppConfig, redis: RedisConnections | null): BackgroundJobs =>
        redis && config.redis
          ? new BullmqBackgroundJobs(config.redis.url, config.replicaId)
          : new EmbeddedBackgroundJobs(),
    },
    BackgroundShutdown,
  ],
  exports: [BackgroundJobs],
})
export class BackgroundModule {}
