import type { checkNumber } from './runtime-settings.js';

type NumberRule = Parameters<typeof checkNumber>[1];

/** What load-config's EnvReader offers: a checked number, and the list its problems go to. */
interface NumberReader {
  readonly problems: string[];
  number(name: string, fallback: number, rule: NumberRule): number;
}

export interface HttpServerTimeouts {
  /**
   * How long an idle connection stays open for the next request. Longer than a person's pause between
   * pages (Node's 5 s is not), and than the 60 s idle timeout of common proxies (nginx, AWS ALB), so the
   * proxy closes first and never sends a request down a connection we are closing.
   */
  readonly keepAliveS: number;
  /**
   * How long a whole request (headers and body) may take to arrive: bounds a slow upload. A response
   * that streams (SSE, images) is not limited by it.
   */
  readonly requestS: number;
}

const seconds = (max: number): NumberRule => ({ min: 1, max, integer: true, unit: 'seconds' });

/** ATELIER_HTTP_KEEP_ALIVE_S and ATELIER_HTTP_REQUEST_TIMEOUT_S. */
export function readHttpServerTimeouts(reader: NumberReader): HttpServerTimeouts {
  const keepAliveS = reader.number('ATELIER_HTTP_KEEP_ALIVE_S', 65, seconds(3600));
  // Node's default: 25 MiB of upload over a 1 Mbit/s link takes about 210 s.
  const requestS = reader.number('ATELIER_HTTP_REQUEST_TIMEOUT_S', 300, seconds(86_400));
  // The headers of a request get keep-alive + 1 s (see applyServerTimeouts), and they are part of the request.
  if (requestS <= keepAliveS) {
    reader.problems.push(
      `ATELIER_HTTP_REQUEST_TIMEOUT_S must be longer than ATELIER_HTTP_KEEP_ALIVE_S (got ${requestS} and ${keepAliveS})`,
    );
  }
  return { keepAliveS, requestS };
}
