import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminConfigController } from './admin-config.controller.js';
import { AppConfig } from './app-config.js';
import { createRuntimeConfig, RuntimeConfig } from './runtime-config.service.js';
import { SettingEntity } from './setting.entity.js';
import { SettingsRepository } from './settings.repository.js';

/** Live runtime settings (global: any feature may inject RuntimeConfig) and GET/PATCH /api/admin/config. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SettingEntity])],
  controllers: [AdminConfigController],
  providers: [
    SettingsRepository,
    { provide: RuntimeConfig, useFactory: createRuntimeConfig, inject: [AppConfig, SettingsRepository] },
  ],
  exports: [RuntimeConfig],
})
export class RuntimeConfigModule implements OnApplicationShutdown {
  constructor(@Inject(RuntimeConfig) private readonly runtime: RuntimeConfig) {}

  onApplicationShutdown(): void {
    this.runtime.close();
  }
}
