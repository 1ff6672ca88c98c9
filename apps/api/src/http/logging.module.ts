import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import {
  loggedRequestHeaders,
  loggedResponseHeaders,
  safeLoggedUrl,
  scrubQuery,
  withoutQueryParameters,
  type SerializedRequest,
} from './log-scrub.js';
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

/** Structured JSON logs (pino), one line per API request with its id; Nest's own logs go through it too. */
@Module({})
export class LoggingModule {
  /** `destination` defaults to stdout; tests pass a stream to read what was logged. */
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            const options = {
              level: config.log.level,
              // assignRequestId (the first middleware) already chose the id.
              genReqId: (req: { id?: unknown }) => (typeof req.id === 'string' ? req.id : 'unknown'),
              quietReqLogger: true,
              redact: { paths: redactPaths, censor: '[redacted]' },
              serializers: {
                // pino-http hands these the standard serialization of the request, response and error.
                // Every request pays for its line (the request's part is serialized when it starts), so
                // it carries what a reader needs, not every header.
                req: (req: SerializedRequest) => ({
                  id: req.id,
                  method: req.method,
                  url: safeLoggedUrl(req.url),
                  query: scrubQuery(req.query),
                  headers: loggedRequestHeaders(req.headers),
                  remoteAddress: req.remoteAddress,
                }),
                res: (res: { statusCode?: unknown; headers?: Record<string, unknown> }) => ({
                  statusCode: res.statusCode,
                  headers: loggedResponseHeaders(res.headers),
                }),
                err: withoutQueryParameters,
              },
              customLogLevel: (_req: unknown, res: { statusCode: number }, error?: Error) =>
                error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
              // Health checks run every few seconds; logging them would drown everything else.
              autoLogging: { ignore: (req: { url?: string }) => req.url === '/api/health' },
            } as const;
            return {
              // Under the global prefix this is /api/{*path}: API requests are logged, static files are not.
              forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
              pinoHttp: destination ? [options, destination] : options,
            };
          },
        }),
      ],
    };
  }
}
