import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger } from 'pino';
import { withoutQueryParameters } from './log-scrub.js';
import { AppConfig } from '../config/app-config.js';

/** Secrets never reach the logs: tokens travel in these headers and bodies. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  '*.*.password',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  // A failed query's bound values (TypeORM's QueryFailedError.parameters: password hashes, tokens),
  // wherever an error object is logged under a key the `err` serializer does not cover.
  '*.parameters',
  '*.*.parameters',
];

/** The one pino logger of an app: Nest's logs, services' logs and the request lines all go through it. */
export class RootLogger {
  constructor(readonly pino: Logger) {}
}

function createRootLogger(config: AppConfig, destination?: DestinationStream): RootLogger {
  const options = {
    level: config.log.level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: (error: Error) => withoutQueryParameters(pino.stdSerializers.err(error)) },
  };
  return new RootLogger(destination ? pino(options, destination) : pino(options));
}

/**
 * Structured JSON logs (pino), one line per API request with its id (`requestLog`, mounted by
 * configureApp); Nest's own logs go through it too. nestjs-pino gives Nest its logger and, per request,
 * makes `req.log` (bound to the request id) the logger of what services log while serving it.
 */
/** Holds the app's RootLogger, so nestjs-pino and the request log share the one instance. */
@Module({})
class RootLoggerModule {}

@Module({})
export class LoggingModule {
  /** `destination` defaults to stdout; tests pass a stream to read what was logged. */
  static forRoot(destination?: DestinationStream): DynamicModule {
    const rootModule: DynamicModule = {
      module: RootLoggerModule,
      providers: [
        {
          provide: RootLogger,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => createRootLogger(config, destination),
        },
      ],
      exports: [RootLogger],
    };
    return {
      module: LoggingModule,
      imports: [
        rootModule,
        LoggerModule.forRootAsync({
          imports: [rootModule],
          inject: [RootLogger],
          useFactory: (logger: RootLogger) => ({
            // The request's logger is made by requestLog: nestjs-pino only binds it to the request's context.
            useExisting: true,
            pinoHttp: { logger: logger.pino },
            // Under the global prefix this is /api/{*path}.
            forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          }),
        }),
      ],
      exports: [rootModule],
    };
  }
}
