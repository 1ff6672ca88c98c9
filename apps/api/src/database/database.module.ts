import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';

@Module({
  imports: [TypeOrmModule.forRootAsync({ inject: [AppConfig], useFactory: dataSourceOptions })],
})
export class DatabaseModule {}
