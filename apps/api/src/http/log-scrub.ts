/** What must never reach the logs from a URL or an error: credentials and a failed query's values. */

/** Query parameters whose values are secrets wherever they appear (case-insensitive, by substring). */
const secretParam = /token|passw|pwd|secret|key|auth|signature|sig$|code|session|cookie|credential/i;
const censor = '[redacted]';
const plainPath = /^\/(?!\/)[^?#@]*$/;
/** Share links carry their secret in the path: `/s/<token>`, `/api/public/shares/<token>/…`. */
const shareTokenPath = /^((?:[a-z][a-z\d+.-]*:\/\/[^/]*)?\/(?:api\/public\/shares|s)\/)[^/?#]+/i;

/**
 * The URL as logged: no userinfo (an absolute-form request target may carry `user:password@`) and
 * the values of secret-looking query parameters replaced. Relative URLs stay relative.
 */
export function safeLoggedUrl(raw: unknown): unknown {
  return typeof raw === 'string' ? scrubUrl(raw).replace(shareTokenPath, `$1${censor}`) : raw;
}

function scrubUrl(raw: string): string {
  // The common case, a path without a query or anything like userinfo: nothing to scrub.
  if (plainPath.test(raw)) return raw;
  let url: URL;
  const absolute = /^[a-z][a-z\d+.-]*:/i.test(raw);
  try {
    url = new URL(raw, 'http://relative.invalid');
  } catch {
    // Not parseable: keep only the path, never a query or credentials we cannot read.
    return raw.replace(/[?#].*$/s, '').replace(/\/\/[^/@]*@/, '//');
  }
  url.username = '';
  url.password = '';
  let changed = false;
  for (const name of new Set(url.searchParams.keys())) {
    if (secretParam.test(name)) {
      url.searchParams.set(name, censor);
      changed = true;
    }
  }
  const query = changed ? url.search.replace(/%5Bredacted%5D/g, censor) : url.search;
  const path = `${url.pathname}${query}${url.hash}`;
  return absolute ? `${url.protocol}//${url.host}${path}` : path;
}

/** Express's parsed query with the same parameters redacted. */
export function scrubQuery(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) out[name] = secretParam.test(name) ? censor : value;
  return out;
}

/**
 * The `err` serializer's output without what a failed query carries: TypeORM's QueryFailedError has
 * the bound `parameters` (an argon2 hash, a token hash, a user's text) and the `query`; the SQL stays
 * in the message. Walks nested causes too.
 */
export function withoutQueryParameters<T>(serialized: T, depth = 0): T {
  if (typeof serialized !== 'object' || serialized === null || depth > 5) return serialized;
  const record = serialized as Record<string, unknown>;
  if ('parameters' in record) record.parameters = censor;
  for (const key of ['cause', 'driverError', 'raw']) {
    if (key in record) withoutQueryParameters(record[key], depth + 1);
  }
  if (Array.isArray(record.errors))
    for (const inner of record.errors) withoutQueryParameters(inner, depth + 1);
  return serialized;
}

/** What pino's standard request serializer gives a custom one. */
export interface SerializedRequest {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  query?: unknown;
  headers?: Record<string, unknown>;
  remoteAddress?: unknown;
}

const loggedRequestHeaderNames = [
  'host',
  'user-agent',
  'origin',
  'content-type',
  'content-length',
  'x-forwarded-for',
];
const loggedResponseHeaderNames = ['content-type', 'content-length', 'location', 'retry-after'];
/** Present or not is worth knowing (which way a request authenticated); the values never are. */
const secretRequestHeaderNames = ['authorization', 'cookie', 'x-api-key'];

function pick(
  headers: Record<string, unknown> | undefined,
  names: readonly string[],
  secret: readonly string[],
) {
  const out: Record<string, unknown> = {};
  if (!headers) return out;
  for (const name of names) if (headers[name] !== undefined) out[name] = headers[name];
  for (const name of secret) if (headers[name] !== undefined) out[name] = censor;
  return out;
}

/** The request headers a log line keeps; credentials only as `[redacted]`. */
export function loggedRequestHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  return pick(headers, loggedRequestHeaderNames, secretRequestHeaderNames);
}

/** The response headers a log line keeps; cookies set only as `[redacted]`. */
export function loggedResponseHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  return pick(headers, loggedResponseHeaderNames, ['set-cookie']);
}
