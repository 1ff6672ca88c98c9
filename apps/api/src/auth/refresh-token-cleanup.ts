import { Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { BackgroundJobs } from '../background/background-jobs.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';

/** Its background queue: hourly, once for the whole cluster in scale-out mode. */
export const refreshTokenCleanupQueue = 'auth.refresh-token-cleanup';
const intervalMs = 3_600_000;

/**
 * Deletes expired refresh tokens (they can never be used again) every hour, as a repeatable background
 * job rather than on every sign-in: sign-ins on several replicas do not all delete the same rows.
 */
@Injectable()
export class RefreshTokenCleanup implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly tokens: RefreshTokensRepository,
    private readonly jobs: BackgroundJobs,
  ) {}

  onModuleInit(): void {
    this.jobs.define(refreshTokenCleanupQueue, () => this.tokens.deleteExpired(new Date()));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.every(refreshTokenCleanupQueue, intervalMs);
  }
}
