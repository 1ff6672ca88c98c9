import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { bodyParserErrors, rejectDeepBodies } from './http/body-parser-errors.js';
import { setupOpenApi } from './http/openapi.js';
import { RootLogger } from './http/logging.module.js';
import { assignRequestId } from './http/request-id.js';
import { requestLog } from './http/request-log.js';
import { applyServerTimeouts } from './http/server-timeouts.js';
import { httpMetrics } from './metrics/http-metrics.js';
import { MetricsRegistry } from './metrics/metrics-registry.js';
import { isWebAppBuilt, notBuiltHandler } from './web/web-app.module.js';
import { noindexShares, sharePaths } from './sharing/noindex.js';

export type CreateAppOptions = AppModuleOptions;

/**
 * The whole server, ready to `listen`: used by main.ts and by the tests (NestFactory, not the
 * testing module, so serve-static and every middleware behave exactly as in production).
 * Migrations have run when this resolves.
 */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, options),
    nestAppOptions,
  );
  return configureApp(app, config);
}

export const nestAppOptions = {
  bodyParser: false,
  bufferLogs: true,
  // A failed boot is reported once, by whoever awaits createApp (main.ts: one line for a database or
  // Redis it cannot use, the error itself otherwise), not first as a stack flushed from the buffer.
  autoFlushLogs: false,
  // Throw instead of process.exit on a boot error, so callers (and tests) see it.
  abortOnError: false,
} as const;

/** Middleware, prefix and docs on a created app (tests that replace a provider build the app themselves). */
export function configureApp(app: NestExpressApplication, config: AppConfig): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.flushLogs(); // autoFlushLogs is off (see nestAppOptions): the boot's buffered lines go out here
  app.set('trust proxy', config.http.trustProxy);
  applyServerTimeouts(app.getHttpServer(), config.http.timeouts);

  app.use(assignRequestId);
  app.use(requestLog(app.get(RootLogger).pino));
  app.use(httpMetrics(app.get(MetricsRegistry)));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          // Self-hosted installs are often plain http on a LAN: upgrading would break them.
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  app.use(sharePaths, noindexShares);
  app.use(cookieParser());
  // JSON only: form encodings are what cross-site forms can send.
  app.useBodyParser('json', { limit: config.http.jsonBodyLimitBytes });
  app.use(bodyParserErrors);
  app.use(rejectDeepBodies);
  if (!isWebAppBuilt(config)) app.use(notBuiltHandler);

  // Scrapers look for /metrics at the root; every other route lives under /api.
  app.setGlobalPrefix('api', { exclude: [{ path: 'metrics', method: RequestMethod.GET }] });
  setupOpenApi(app, config);
  return app;
}
