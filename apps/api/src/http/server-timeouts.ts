import type { Server } from 'node:http';
import type { HttpServerTimeouts } from '../config/http-server-config.js';

/**
 * The HTTP server's connection timeouts, set on purpose (see HttpServerTimeouts). Before `listen`:
 * Node reads the checking interval when the server starts listening.
 */
export function applyServerTimeouts(server: Server, timeouts: HttpServerTimeouts): void {
  server.keepAliveTimeout = timeouts.keepAliveS * 1000;
  // The time to send a request's headers. One second over keep-alive, as proxy guides advise: older Node
  // counted it across the idle wait too, and cut kept-alive connections before their time.
  server.headersTimeout = server.keepAliveTimeout + 1000;
  server.requestTimeout = timeouts.requestS * 1000;
  // Node looks for connections past those timeouts every 30 s: a tenth of the headers timeout (at most
  // those 30 s) keeps a timeout within 10 % of its setting.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    30_000,
    server.headersTimeout / 10,
  );
}
