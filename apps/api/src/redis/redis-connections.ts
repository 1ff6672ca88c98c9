import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { withoutPassword } from '../config/database-config.js';

/**
 * The connections of one replica to Redis (scale-out mode): `command` for every command (rate limits,
 * publishing events), `subscriber` for pub/sub only (a subscribed connection accepts no other command).
 */
export interface RedisConnections {
  readonly command: Redis;
  readonly subscriber: Redis;
  /** The URL without its password, for messages. */
  readonly where: string;
}

/** Injection token: `RedisConnections`, or null when ATELIER_REDIS_URL is not set. */
export const REDIS_CONNECTIONS = Symbol('REDIS_CONNECTIONS');

/** A boot that cannot use Redis: main.ts prints the message as one line and exits 1. */
export class RedisBootError extends Error {
  override readonly name = 'RedisBootError';
}

/** The one line for a boot failure caused by Redis, or null for any other error. */
export function redisBootFailure(error: unknown): string | null {
  return error instanceof RedisBootError ? error.message : null;
}

export interface OpenRedisOptions {
  /** How long the boot waits for the first connection (10 s). */
  readyTimeoutMs?: number;
}

/**
 * Connects both connections and checks the server, or throws a RedisBootError naming what is wrong:
 * unreachable within the timeout, or a `maxmemory-policy` other than `noeviction` (a Redis that evicts
 * keys under memory pressure would silently drop rate-limit counts now and BullMQ's jobs later).
 */
export async function openRedis(
  url: string,
  replicaId: string,
  options: OpenRedisOptions = {},
): Promise<RedisConnections> {
  const where = withoutPassword(url);
  const timeoutMs = options.readyTimeoutMs ?? 10_000;
  const command = connect(url, `atelier:${replicaId}`, where, false);
  const subscriber = connect(url, `atelier:${replicaId}:sub`, where, true);
  try {
    await Promise.all([ready(command, where, timeoutMs), ready(subscriber, where, timeoutMs)]);
    const policy = /^maxmemory_policy:(\S+)/m.exec(await command.info('memory'))?.[1];
    if (policy !== 'noeviction') {
      throw new RedisBootError(
        `Redis at ${where} has maxmemory-policy ${policy ?? '(unknown)'}; Atelier needs noeviction ` +
          '(set maxmemory-policy noeviction in redis.conf or with CONFIG SET)',
      );
    }
    await warnIfNameTaken(command, `atelier:${replicaId}`);
    return { command, subscriber, where };
  } catch (error) {
    command.disconnect();
    subscriber.disconnect();
    if (error instanceof RedisBootError) throw error;
    throw new RedisBootError(`Redis at ${where} failed a boot check: ${(error as Error).message}`);
  }
}

/** Closes both connections (QUIT, so nothing sent is lost; a dead connection is just dropped). */
export async function closeRedis(connections: RedisConnections): Promise<void> {
  await Promise.all(
    [connections.command, connections.subscriber].map(async (client) => {
      if (client.status !== 'ready') return client.disconnect();
      await client.quit().catch(() => client.disconnect());
    }),
  );
}

const logger = new Logger('Redis');

function connect(url: string, connectionName: string, where: string, offlineQueue: boolean): Redis {
  const client = new Redis(url, {
    connectionName,
    // Reconnect forever, at most every 2 s: a replica outlives a Redis restart.
    retryStrategy: (times) => Math.min(200 * times, 2000),
    // Commands fail at once while Redis is down instead of queueing: a rate limit falls back to its
    // memory limiter and a request never waits on Redis. The subscriber queues its SUBSCRIBE instead.
    enableOfflineQueue: offlineQueue,
  });
  // One warning when a working connection drops, one line when it is back (not one per retry).
  let up = false;
  client.on('ready', () => {
    if (!up) logger.log(`Connected to Redis at ${where} (${connectionName})`);
    up = true;
  });
  client.on('error', (error: Error) => {
    if (up) logger.warn(`Lost Redis at ${where} (${connectionName}): ${error.message}; reconnecting`);
    up = false;
  });
  return client;
}

/**
 * Two replicas with one ATELIER_REPLICA_ID ignore each other's events as their own: say so at boot. A
 * warning, not a refusal: the other connection may be a ghost of a replica that just died. Skipped when
 * the server does not allow CLIENT LIST (managed Redis with ACLs).
 */
async function warnIfNameTaken(command: Redis, name: string): Promise<void> {
  const list = await command.client('LIST').catch(() => null);
  if (typeof list !== 'string') return;
  const db = ` db=${command.options.db ?? 0} `;
  const same = list.split('\n').filter((line) => line.includes(` name=${name} `) && line.includes(db)).length;
  if (same > 1) {
    logger.warn(
      `Another process is connected to Redis as replica ${name.slice('atelier:'.length)}: give each ` +
        'replica its own ATELIER_REPLICA_ID, or they never hear each other',
    );
  }
}

function ready(client: Redis, where: string, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => {
      lastError = error;
    };
    const onReady = () => {
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      const why = lastError ? `: ${lastError.message}` : '';
      reject(new RedisBootError(`cannot reach Redis at ${where} within ${timeoutMs / 1000} s${why}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('ready', onReady);
    };
    client.on('error', onError);
    client.on('ready', onReady);
  });
}
