import { createServer } from 'node:net';

/** How many ports after the initial one are tried before giving up. */
export const portSearchSpan = 100;

/**
 * The first port from `from` on that `host` lets us bind, trying at most `span` ports. Another process
 * may still take it before ComfyUI binds: that attempt then fails and the next one searches again.
 */
export async function findFreePort(from: number, host: string, span = portSearchSpan): Promise<number> {
  const last = Math.min(from + span - 1, 65_535);
  for (let port = from; port <= last; port++) {
    if (await canBind(port, host)) return port;
  }
  throw new Error(`no free port between ${from} and ${last} on ${host}`);
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
