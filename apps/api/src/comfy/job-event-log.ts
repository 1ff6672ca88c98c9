import type { ComfyStreamEventName } from '@atelier/contract';

/**
 * Where StreamHub also writes each SSE event of a job it follows, for streams on other replicas. The
 * embedded mode keeps today's behaviour: StreamHub's in-memory log serves its own subscribers and this
 * port does nothing. In scale-out mode (Redis) it is `RedisJobEventLog`, read by `RedisJobStreams`.
 */
export abstract class JobEventLog {
  /** True when replicas share the log: streams are then served from it, not from StreamHub's memory. */
  abstract readonly shared: boolean;
  /** Appends one event (in the order of the calls); never throws, never waits. */
  abstract append(promptId: string, event: ComfyStreamEventName, data: unknown): void;
  /** The job is queued (again): a log that ended with `done` belonged to an earlier run and goes. */
  abstract restart(promptId: string): void;
}

/** The embedded mode: one process, StreamHub's own log is the only one. */
export class EmbeddedJobEventLog extends JobEventLog {
  readonly shared = false;
  append(): void {}
  restart(): void {}
}
