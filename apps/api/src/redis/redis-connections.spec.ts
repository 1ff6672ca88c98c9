import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openRedis, RedisBootError, redisBootFailure } from './redis-connections.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('openRedis', () => {
  it('gives up on an unreachable Redis after the timeout, in one line without the password', async () => {
    const port = await closedPort();
    const error = await openRedis(`redis://:secret-pw@127.0.0.1:${port}/2`, 'replica-a', {
      readyTimeoutMs: 300,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisBootError);
    const line = redisBootFailure(error);
    expect(line).toMatch(
      new RegExp(
        `^cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/2 within 0\\.3 s: .*ECONNREFUSED`,
      ),
    );
    expect(line).not.toContain('secret-pw');
    expect(line).not.toContain('\n');
  });

  it('leaves other boot errors to their own handling', () => {
    expect(redisBootFailure(new Error('a migration failed'))).toBeNull();
    expect(redisBootFailure('text')).toBeNull();
  });
});
