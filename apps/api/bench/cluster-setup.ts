/**
 * One scale-out cluster for a `cluster` bench run: R replicas (the built server as processes) on a
 * scratch Postgres database and a flushed Redis database, S simulators (each on a worker thread of this
 * process) as the ComfyUI pool — the first through COMFY_API_URL, the rest added as an admin would.
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import {
  benchEnv,
  benchPassword,
  json,
  scratchDir,
  signIn,
  startSim,
  type BenchSession,
  type BenchSim,
} from './bench-kit.js';
import { Replica, scratchDatabase, type Services } from './cluster-processes.js';

/** The bench's Redis database (the services tests take 4 and up). */
const redisDb = 3;

export interface BenchCluster {
  replicas: Replica[];
  sims: BenchSim[];
  /** The first admin, signed in on the first replica (valid on all: one database, one secret). */
  admin: BenchSession;
  /** The replicas' own database and Redis database, for counting what a batch costs them. */
  databaseUrl: string;
  redisUrl: string;
  close(): Promise<void>;
}

export async function startCluster(
  services: Services,
  size: { replicas: number; sims: number },
  stepMs: number,
): Promise<BenchCluster> {
  const redisUrl = new URL(services.redisUrl);
  redisUrl.pathname = `/${redisDb}`;
  const redis = new Redis(redisUrl.toString(), { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  await redis.quit();
  const database = await scratchDatabase(services.databaseUrl);
  const root = await scratchDir('cluster');
  const sims = await Promise.all(Array.from({ length: size.sims }, () => startSim(stepMs)));
  const replicas: Replica[] = [];
  const close = async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(sims.map((sim) => sim.close()));
    await database.drop();
    await root.remove();
  };
  try {
    const env = benchEnv(root.path, sims[0]!.url, {
      ATELIER_DATABASE_URL: database.url,
      ATELIER_REDIS_URL: redisUrl.toString(),
      ATELIER_JWT_SECRET: randomBytes(32).toString('hex'),
      COMFY_RAW_GRAPH_MIN_ROLE: 'user',
      // Warm-up prompts would sit in the simulators' queues between our jobs.
      COMFY_WARMUP_ON_CONNECT: 'false',
      // The relay run follows two jobs with 1,000 streams of one user.
      ATELIER_MAX_STREAMS_PER_USER: '10000',
    });
    // One after the other: the first runs the migrations alone (and takes the lease).
    for (let i = 0; i < size.replicas; i++)
      replicas.push(await Replica.start(String.fromCharCode(97 + i), env));
    const admin = await signIn(replicas[0]!.url, 'admin', benchPassword);
    await addBackends(replicas, admin, sims);
    return { replicas, sims, admin, databaseUrl: database.url, redisUrl: redisUrl.toString(), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Simulators 2..S through POST /api/admin/backends; then waits until every replica calls them all up. */
async function addBackends(replicas: readonly Replica[], admin: BenchSession, sims: readonly BenchSim[]) {
  for (const [index, sim] of sims.entries()) {
    if (index === 0) continue;
    await json(`${replicas[0]!.url}/api/admin/backends`, {
      method: 'POST',
      headers: { ...admin.bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `sim-${index + 1}`, url: sim.url }),
    });
  }
  const deadline = Date.now() + 30_000;
  for (const replica of replicas) {
    for (;;) {
      const { items } = await json<{ items: { state: string }[] }>(`${replica.url}/api/admin/backends`, {
        headers: admin.bearer,
      });
      if (items.length === sims.length && items.every((backend) => backend.state === 'up')) break;
      if (Date.now() > deadline)
        throw new Error(`backends not up on ${replica.id}: ${JSON.stringify(items)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** POST /api/comfy/queue: the prompt id. */
export async function submit(api: string, session: BenchSession, workflow: Record<string, unknown>) {
  const { prompt_id: promptId } = await json<{ prompt_id: string }>(`${api}/api/comfy/queue`, {
    method: 'POST',
    headers: { ...session.bearer, 'Content-Type': 'application/json' },
    body: JSON.stringify({ workflow }),
  });
  return promptId;
}

export interface Executed {
  startedAt: number;
  endedAt: number;
}

interface HistoryEntry {
  status?: { messages?: [string, { timestamp?: number }][] };
}

/** The simulators' own record of our jobs (execution_start / execution_success), once all have run. */
export async function executions(
  sims: readonly BenchSim[],
  promptIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, Executed>> {
  const wanted = new Set(promptIds);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = new Map<string, Executed>();
    for (const sim of sims) {
      const history = await json<Record<string, HistoryEntry>>(`${sim.url}/history`, {});
      for (const [promptId, entry] of Object.entries(history)) {
        if (!wanted.has(promptId)) continue;
        const at = (type: string) => entry.status?.messages?.find(([name]) => name === type)?.[1].timestamp;
        const startedAt = at('execution_start');
        const endedAt = at('execution_success');
        if (startedAt !== undefined && endedAt !== undefined) found.set(promptId, { startedAt, endedAt });
      }
    }
    if (found.size === wanted.size) return found;
    if (Date.now() > deadline) throw new Error(`only ${found.size} of ${wanted.size} jobs ran`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
