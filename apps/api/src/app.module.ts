import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { LeaderLeaseModule } from './cluster/leader-lease.module.js';
import { BackgroundModule } from './background/background.module.js';
import { ComfyModule } from './comfy/comfy.module.js';
import { RateLimitsModule } from './common/rate-limits.js';
import { RedisModule } from './redis/redis.module.js';
import { ResourceCapsModule } from './common/resource-caps.js';
import { ManagedComfyModule } from './comfy-managed/managed-comfy.module.js';
import { ComfyUploadsModule } from './comfy-uploads/comfy-uploads.module.js';
import { ComfyTemplatesModule } from './comfy-templates/comfy-templates.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { RuntimeConfigModule } from './config/runtime-config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DispatchModule } from './dispatch/dispatch.module.js';
import { GalleryModule } from './gallery/gallery.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpModule } from './http/http.module.js';
import { LimitsModule } from './limits/limits.module.js';
import { UsageModule } from './usage/usage.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SharingModule } from './sharing/sharing.module.js';
import { SweepsModule } from './sweeps/sweeps.module.js';
import { UsersModule } from './users/users.module.js';
import { WebAppModule } from './web/web-app.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WebhooksApiModule } from './webhooks/webhooks-api.module.js';

export interface AppModuleOptions {
  /** Modules only tests mount (routes production never has). */
  extraModules?: readonly Type[];
  /** Where logs go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        HttpModule.forRoot(options.logDestination),
        ResourceCapsModule,
        // Before the limits and the bus: they take their Redis store from it in scale-out mode.
        RedisModule,
        // Global `LeaderLease`: which replica dispatches (on that Redis), or always this one.
        LeaderLeaseModule,
        // Global `BackgroundJobs`: BullMQ on that Redis, or in process.
        BackgroundModule,
        RateLimitsModule,
        DatabaseModule,
        RuntimeConfigModule,
        AdminModule,
        UsersModule,
        AuthModule,
        HealthModule,
        GalleryModule,
        ...(options.extraModules ?? []),
        ComfyModule,
        ManagedComfyModule,
        ComfyTemplatesModule,
        DispatchModule,
        ComfyUploadsModule,
        UsageModule,
        LimitsModule,
        SweepsModule,
        SharingModule,
        AuditModule,
        WebhooksModule,
        WebhooksApiModule,
        MetricsModule,
        // Last: its catch-all GET route must come after every API route.
        WebAppModule.forRoot(config),
      ],
    };
  }
}
