import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventBus } from '../events/event-bus.js';
import { EventsModule } from '../events/events.module.js';
import { AppConfig } from './app-config.js';
import { createRuntimeConfig, RuntimeConfig } from './runtime-config.service.js';
import { SettingEntity } from './setting.entity.js';
import { SettingsRepository } from './settings.repository.js';

/** Live runtime settings (global: any feature may inject RuntimeConfig); admin/ serves them over HTTP. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SettingEntity]), EventsModule],
  providers: [
    SettingsRepository,
    {
      provide: RuntimeConfig,
      useFactory: createRuntimeConfig,
      inject: [AppConfig, SettingsRepository, EventBus],
    },
  ],
  exports: [RuntimeConfig],
})
export class RuntimeConfigModule {}
