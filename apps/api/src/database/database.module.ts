import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { Sql, sqlProvider } from './sql.js';

/** The DataSource (TypeORM, global by itself) and the `Sql` port over it, for every module. */
@Global()
@Module({
  imports: [TypeOrmModule.forRootAsync({ inject: [AppConfig], useFactory: dataSourceOptions })],
  providers: [sqlProvider],
  exports: [Sql],
})
export class DatabaseModule {}
