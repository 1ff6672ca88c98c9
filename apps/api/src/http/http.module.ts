import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import { ErrorFilter } from './error.filter.js';
import { LoggingModule } from './logging.module.js';
import { createValidationPipe } from './validation.js';

/** Error bodies, validation and logging for every route. */
@Module({})
export class HttpModule {
  static forRoot(logDestination?: DestinationStream): DynamicModule {
    return {
      module: HttpModule,
      imports: [LoggingModule.forRoot(logDestination)],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
