/** A job that used up its attempts: the dead-letter list an admin reads and retries from. */
export interface BackgroundFailedJob {
  id: string;
  /** The queue's name (one kind of job per queue). */
  name: string;
  /** The last attempt's error message. */
  reason: string;
  /** Attempts made before it was given up. */
  attempts: number;
  /** ISO time of the last failure. */
  failedAt: string;
}

export interface BackgroundQueueView {
  name: string;
  counts: { waiting: number; active: number; delayed: number; failed: number };
  /** The newest failed jobs first (at most 50). */
  failed: BackgroundFailedJob[];
}

/** GET /api/admin/background. `mode`: in this process only, or BullMQ queues shared by every replica. */
export interface BackgroundOverview {
  mode: 'embedded' | 'redis';
  queues: BackgroundQueueView[];
}
