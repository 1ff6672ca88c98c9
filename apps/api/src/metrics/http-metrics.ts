import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { metricsPath } from '../web/web-app.module.js';
import type { MetricsRegistry } from './metrics-registry.js';

/**
 * `atelier_http_request_duration_seconds{method,route,status}`: every response's duration, labelled by the
 * route pattern Express matched (`/api/comfy/status/:promptId`), never the raw URL, so ids and probes of
 * unknown paths cannot grow the series without bound.
 */
export function httpMetrics(metrics: MetricsRegistry) {
  const duration = new Histogram({
    name: 'atelier_http_request_duration_seconds',
    help: 'HTTP request durations, by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });
  return function recordDuration(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      duration.observe({ method: req.method, route: routeOf(req), status: String(res.statusCode) }, seconds);
    });
    next();
  };
}

/**
 * The API route Express matched, `unmatched` for an API path no route has, and `web` for the built web app
 * (index.html for every client-side route, hashed assets): serve-static's catch-all matches those, and API
 * 404s pass through it too, so its pattern says nothing.
 */
function routeOf(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  const route = typeof path === 'string' ? `${req.baseUrl}${path}` : null;
  if (route !== null && isApiPath(route)) return route;
  return isApiPath(req.originalUrl.split('?')[0] ?? '') ? 'unmatched' : 'web';
}

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === metricsPath;
}
