import type { ObjectInfo } from '@atelier/contract';
import type { AppEventMap, AppEventName } from './app-events.js';

/**
 * The events that cross replicas in scale-out mode, each with how it travels as JSON through Redis
 * pub/sub. An event missing here stays in the process that published it (whoever subscribes with
 * `from: 'any-replica'`): today `job.preview` (its bytes would flood every replica; previews will live in
 * Redis keys of their own), `comfy.execution` (one per node, read by that replica's metrics and log),
 * `comfy.connection`/`comfy.queue_status`/`comfy.wiring_changed` (about this process's sockets),
 * `comfy.managed_status`/`comfy.server_exited` (managed mode runs one process) and the audited changes
 * that only their own replica records (gallery, webhooks, API keys, shares, sweeps).
 */
export interface EventCodec<K extends AppEventName> {
  /** A JSON-safe value (no Date, Uint8Array, undefined in arrays, cycles). */
  encode(payload: AppEventMap[K]): unknown;
  /** Back from `JSON.parse(JSON.stringify(encode(payload)))`. */
  decode(wire: unknown): AppEventMap[K];
}

/** For payloads that are plain JSON already: ids, strings, numbers, booleans, arrays and objects of them. */
function plain<K extends AppEventName>(): EventCodec<K> {
  return { encode: (payload) => payload, decode: (wire) => wire as AppEventMap[K] };
}

/** `fetchedAt` travels as an ISO string and comes back a Date (JSON has no dates). */
const objectInfoRefreshed: EventCodec<'comfy.object_info_refreshed'> = {
  encode: ({ info, fetchedAt }) => ({ info, fetchedAt: fetchedAt.toISOString() }),
  decode: (wire) => {
    const { info, fetchedAt } = wire as { info: ObjectInfo; fetchedAt: string };
    return { info, fetchedAt: new Date(fetchedAt) };
  },
};

export const clusterEvents: { readonly [K in ClusterEventName]: EventCodec<K> } = {
  // Every replica keeps settings, role limits, backends and templates in memory.
  'config.changed': plain(),
  'queue.limits_changed': plain(),
  'comfy.backends_changed': plain(),
  'comfy.backend_state': plain(),
  'comfy.backend_reachable': plain(),
  'comfy.template_saved': plain(),
  // MB-sized once per refresh (rare): every replica's templates are checked against the fresh copy.
  'comfy.object_info_refreshed': objectInfoRefreshed,
  'user.disabled': plain(),
  'user.updated': plain(),
  // A job's life, for streams and dispatch signals on the replicas that do not run it.
  'job.waiting': plain(),
  'job.queued': plain(),
  'job.position': plain(),
  'job.running': plain(),
  'job.progress': plain(),
  'job.tracking': plain(),
  'job.succeeded': plain(),
  'job.failed': plain(),
  'job.interrupted': plain(),
  'job.lost': plain(),
};

export type ClusterEventName = Extract<
  AppEventName,
  | 'config.changed'
  | 'queue.limits_changed'
  | 'comfy.backends_changed'
  | 'comfy.backend_state'
  | 'comfy.backend_reachable'
  | 'comfy.template_saved'
  | 'comfy.object_info_refreshed'
  | 'user.disabled'
  | 'user.updated'
  | 'job.waiting'
  | 'job.queued'
  | 'job.position'
  | 'job.running'
  | 'job.progress'
  | 'job.tracking'
  | 'job.succeeded'
  | 'job.failed'
  | 'job.interrupted'
  | 'job.lost'
>;

export function crossesReplicas(name: AppEventName): name is ClusterEventName {
  return Object.hasOwn(clusterEvents, name);
}

/** What one replica publishes on the channel: version, event name, publishing replica, encoded payload. */
export interface ClusterEnvelope {
  readonly v: 1;
  readonly name: ClusterEventName;
  readonly origin: string;
  readonly payload: unknown;
}

/** The message text for `name`, or null when the event does not cross replicas. */
export function encodeClusterEvent<K extends AppEventName>(
  name: K,
  payload: AppEventMap[K],
  origin: string,
): string | null {
  if (!crossesReplicas(name)) return null;
  const codec = clusterEvents[name] as unknown as EventCodec<K>;
  const envelope = { v: 1, name, origin, payload: codec.encode(payload) } satisfies ClusterEnvelope;
  return JSON.stringify(envelope);
}

export type DecodedClusterEvent = {
  [K in ClusterEventName]: { name: K; origin: string; payload: AppEventMap[K] };
}[ClusterEventName];

/**
 * The event in a message, or a reason it was refused: not JSON, another envelope version (a replica of
 * another release during a rolling upgrade), or an event this release does not let cross.
 */
export function decodeClusterEvent(text: string): DecodedClusterEvent | { refused: string } {
  let envelope: Partial<ClusterEnvelope>;
  try {
    envelope = JSON.parse(text) as Partial<ClusterEnvelope>;
  } catch {
    return { refused: 'not JSON' };
  }
  if (envelope === null || typeof envelope !== 'object') return { refused: 'not an envelope' };
  if (envelope.v !== 1) return { refused: `envelope version ${String(envelope.v)}` };
  const { name, origin } = envelope;
  if (typeof name !== 'string' || !crossesReplicas(name))
    return { refused: `event ${String(name)} does not cross replicas` };
  if (typeof origin !== 'string' || origin === '') return { refused: 'no origin' };
  const codec = clusterEvents[name] as EventCodec<typeof name>;
  return { name, origin, payload: codec.decode(envelope.payload) } as DecodedClusterEvent;
}
