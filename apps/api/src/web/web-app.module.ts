import { Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { AppConfig } from '../config/app-config.js';

/** Paths the web app never answers: the API's own 404 (JSON error body) applies there. */
export const apiPathPattern = '/api/{*path}';
/** The one API route outside /api (Prometheus scrapers expect it at the root). */
export const metricsPath = '/metrics';

export function isWebAppBuilt(config: AppConfig): boolean {
  return existsSync(join(config.web.distDir, 'index.html'));
}

/**
 * Serves the built web app (apps/web/dist) with an SPA fallback to index.html for every GET
 * outside /api and /metrics. Decided at boot: build the web app before starting the server.
 */
@Module({})
export class WebAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!isWebAppBuilt(config)) return { module: WebAppModule };
    return {
      module: WebAppModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: config.web.distDir,
          exclude: [apiPathPattern, metricsPath],
          serveStaticOptions: { index: false, fallthrough: true, setHeaders: cacheHeaders },
        }),
      ],
    };
  }
}

/** Vite's hashed assets never change; index.html (served for every route) is always revalidated. */
function cacheHeaders(res: Response, path: string): void {
  const immutable = path.includes(`${sep}assets${sep}`);
  res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Atelier</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Atelier</h1>
<p>The API is running, but the web app is not built yet.</p>
<p>Run <code>pnpm --filter @atelier/web build</code> and restart the server.
The API documentation is at <a href="/api/docs">/api/docs</a>.</p>
</body></html>
`;

/** Stands in for the web app when apps/web/dist is missing, for any GET outside /api (and /metrics). */
export function notBuiltHandler(req: Request, res: Response, next: NextFunction): void {
  if (
    (req.method !== 'GET' && req.method !== 'HEAD') ||
    req.path === '/api' ||
    req.path.startsWith('/api/') ||
    req.path === metricsPath
  ) {
    next();
    return;
  }
  res.status(200).type('html').send(notBuiltPage);
}
