import type { BackendDirectory, BackendId } from '../comfy/backends/backend-directory.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';
import type { JobsRepository } from '../comfy/jobs.repository.js';
import type { WaitingJobsRepository } from '../comfy/waiting-jobs.repository.js';
import { OwnerQueues } from './fair-order.js';
import { InFlightJobs } from './in-flight-jobs.js';
import type { QueueOwnersRepository } from './queue-owners.repository.js';

/** The dispatcher's state as the ledger holds it. */
export interface LedgerQueue {
  queues: OwnerQueues<ComfyJobEntity>;
  inFlight: InFlightJobs;
  paused: Set<number>;
}

/** An empty queue: a follower's, and the leader's until it has read the ledger. */
export function emptyQueue(): LedgerQueue {
  return { queues: new OwnerQueues<ComfyJobEntity>(), inFlight: new InFlightJobs(), paused: new Set() };
}

/**
 * Reads the queue from the ledger, as the leader's dispatcher loads it at boot and at each takeover:
 * waiting rows in order, the jobs the backends hold, the owners who paused their queue.
 */
export async function readLedgerQueue(
  waiting: WaitingJobsRepository,
  jobs: JobsRepository,
  owners: QueueOwnersRepository,
  directory: BackendDirectory,
): Promise<LedgerQueue> {
  const queue = emptyQueue();
  // A post cut short by the restart left its claim (backend_id): that backend is asked for the job first.
  for (const row of await waiting.listWaiting()) queue.queues.push(row);
  const fallback = directory.defaultId();
  for (const row of await jobs.listActive()) {
    queue.inFlight.set(row.promptId, { backendId: row.backendId ?? fallback, ownerId: row.ownerId });
  }
  for (const [userId, switches] of await owners.all()) if (switches.paused) queue.paused.add(userId);
  return queue;
}

export interface DispatcherStats {
  waitingByOwner: Map<number, number>;
  inFlightByBackend: Map<BackendId, number>;
  /** Recent costs of one dispatch decision (pick, route, claim call), µs. */
  dispatchUs: number[];
}

/** The dispatcher's counts for metrics and tests. */
export function statsOf(queue: Omit<LedgerQueue, 'paused'>, costs: readonly number[]): DispatcherStats {
  const waitingByOwner = new Map<number, number>();
  for (const owner of queue.queues.owners()) waitingByOwner.set(owner, queue.queues.sizeOf(owner));
  const inFlightByBackend = new Map<BackendId, number>();
  for (const { backendId } of queue.inFlight.values()) {
    inFlightByBackend.set(backendId, (inFlightByBackend.get(backendId) ?? 0) + 1);
  }
  return { waitingByOwner, inFlightByBackend, dispatchUs: [...costs] };
}
