import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  BackgroundJobs,
  backoffDelay,
  UnrecoverableJobError,
  type JobContext,
} from '../background/background-jobs.js';
import { EventBus } from '../events/event-bus.js';
import { deliverQueue, type DeliverJob } from './delivery-job.js';
import { SafeSender } from './safe-sender.js';
import { WebhookDeliveries } from './webhook-deliveries.service.js';
import { signWebhook } from './webhook-signer.js';
import { WebhookDeliveriesRepository, type AttemptOutcome } from './webhook-deliveries.repository.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';

/**
 * Milliseconds to wait after each failed try before the next; once they are used up the delivery is given up.
 * About 24 hours in all (9 tries). A provider, so tests retry in milliseconds.
 */
export const WEBHOOK_RETRY_DELAYS = Symbol('WEBHOOK_RETRY_DELAYS');
export const defaultRetryDelaysMs: readonly number[] = [
  5_000, 60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 28_800_000, 28_800_000,
];

/** An endpoint whose every delivery has failed for this long is disabled (a provider, for tests). */
export const WEBHOOK_DISABLE_AFTER_MS = Symbol('WEBHOOK_DISABLE_AFTER_MS');
export const defaultDisableAfterMs = 5 * 86_400_000;

/** Pending rows this long overdue have lost their job (a shutdown cut their try short, Redis lost it). */
const overdueMs = 60_000;
/** How often the whole cluster looks for such rows. */
const sweepEveryMs = 60_000;
/** Rows queued again per pass. */
const sweepBatch = 1_000;
/** Deliveries sent at once by one process. */
const concurrency = 10;

export const deliverySweepQueue = 'webhook.sweep';

/**
 * Sends stored deliveries as `webhook.deliver` background jobs (BullMQ on every replica in scale-out mode,
 * so each delivery is tried by one of them): signs and sends through SafeSender and records the try on the
 * row, which stays the delivery log. A failed try throws, and the queue waits the next listed delay; the
 * last one gives up (the job lands in the background failed list). The row decides what is left to do, so
 * a job run twice never sends a settled delivery again. `claimed_until` of the old lease-polling worker is
 * unused.
 */
@Injectable()
export class DeliveryWorker implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly shutdown = new AbortController();

  constructor(
    private readonly repository: WebhookDeliveriesRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly sender: SafeSender,
    private readonly bus: EventBus,
    private readonly deliveries: WebhookDeliveries,
    private readonly jobs: BackgroundJobs,
    @Inject(WEBHOOK_RETRY_DELAYS) private readonly retryDelaysMs: readonly number[],
    @Inject(WEBHOOK_DISABLE_AFTER_MS) private readonly disableAfterMs: number,
  ) {}

  onModuleInit(): void {
    this.jobs.define<DeliverJob>(deliverQueue, (data, job) => this.deliver(data.deliveryId, job), {
      attempts: this.retryDelaysMs.length + 1,
      backoff: { type: 'listed', delaysMs: this.retryDelaysMs },
      concurrency,
    });
    this.jobs.define(deliverySweepQueue, () => this.requeue(new Date(Date.now() - overdueMs)));
  }

  /** Embedded jobs die with the process: every pending row gets its job again (in Redis: a no-op per row). */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.requeue(null);
    } catch (error) {
      this.logger.error({ err: error }, 'Could not queue the pending webhook deliveries');
    }
    await this.jobs.every(deliverySweepQueue, sweepEveryMs);
  }

  /** Before the background jobs close (a global module, closed last): a try in flight ends now, untried. */
  onModuleDestroy(): void {
    this.shutdown.abort();
  }

  /** Queues a job for pending rows due before `dueBefore` (all when null); a job id still queued is kept. */
  private async requeue(dueBefore: Date | null): Promise<void> {
    const rows = await this.repository.pending(dueBefore?.toISOString() ?? null, sweepBatch);
    for (const row of rows) {
      const due = row.nextAttemptAt === null ? 0 : Date.parse(row.nextAttemptAt) - Date.now();
      await this.jobs.add<DeliverJob>(
        deliverQueue,
        { deliveryId: row.id },
        { jobId: row.id, delay: Math.max(0, due) },
      );
    }
  }

  private async deliver(deliveryId: string, job: JobContext): Promise<void> {
    const delivery = await this.repository.findDelivery(deliveryId);
    if (!delivery || delivery.status === 'delivered') return;
    const endpoint = (await this.endpoints.find(delivery.endpointId))?.endpoint;
    if (delivery.status === 'gave_up') {
      // Only an admin's retry from the background failed list starts a settled delivery's job afresh:
      // its body goes again as a new delivery, as the owner's "redeliver" does.
      if (job.attempt === 1 && endpoint?.enabled) await this.deliveries.redeliver(delivery.id);
      return;
    }
    if (!endpoint?.enabled) {
      await this.repository.giveUp(delivery.id, 'endpoint disabled');
      return;
    }
    const at = new Date();
    const result = await this.sender.send({
      url: endpoint.url,
      headers: { ...signWebhook(endpoint.secret, delivery.id, delivery.payloadJson, at) },
      body: delivery.payloadJson,
      signal: this.shutdown.signal,
    });
    // Cut short by a shutdown: not the receiver's fault, so not a try. The row stays pending; the next
    // boot (or, in scale-out mode, the sweep on a replica still up) queues it again.
    if (result.aborted) return;
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    // The row counts the tries (a job put back by a sweep starts its own count again).
    const tries = delivery.attempts + 1;
    const isLast = tries > this.retryDelaysMs.length;
    const error = ok ? null : (result.error ?? `HTTP ${result.status ?? '?'}`);
    const outcome: AttemptOutcome = {
      attempt: { at: at.toISOString(), status: result.status, latency_ms: result.latencyMs, error },
      responseExcerpt: result.excerpt,
      next: ok
        ? { status: 'delivered' }
        : isLast
          ? { status: 'gave_up' }
          : { status: 'pending', at: new Date(Date.now() + this.queueDelay(job.attempt)).toISOString() },
    };
    await this.repository.recordAttempt(delivery, outcome);
    await this.endpoints.noteResult(endpoint.id, ok, at.toISOString());
    if (ok || (await this.disableIfFailingTooLong(endpoint.id, at))) return;
    if (isLast) throw new UnrecoverableJobError(`${error ?? 'failed'} (gave up after ${tries} tries)`);
    throw new Error(error ?? 'failed');
  }

  /** What the queue waits after attempt `attempt` of this job (its listed backoff). */
  private queueDelay(attempt: number): number {
    return backoffDelay({ type: 'listed', delaysMs: this.retryDelaysMs }, attempt);
  }

  /**
   * After days of failures the endpoint is switched off and its owner told (the event; the UI shows it).
   * True when it was (its deliveries are given up, this one included: no retry to wait for).
   */
  private async disableIfFailingTooLong(endpointId: number, now: Date): Promise<boolean> {
    const endpoint = (await this.endpoints.find(endpointId))?.endpoint;
    if (!endpoint?.enabled || endpoint.failingSince === null) return false;
    if (now.getTime() - Date.parse(endpoint.failingSince) < this.disableAfterMs) return false;
    const days = Math.max(1, Math.round(this.disableAfterMs / 86_400_000));
    const reason = `Every delivery failed since ${endpoint.failingSince} (over ${days} day${days === 1 ? '' : 's'})`;
    if (!(await this.endpoints.disable(endpoint.id, reason, now.toISOString()))) return false;
    await this.repository.giveUpPendingOf(endpoint.id, 'endpoint disabled');
    this.logger.warn({ endpointId: endpoint.id, ownerId: endpoint.ownerId }, 'Webhook endpoint disabled');
    await this.bus.publish('webhook.disabled', {
      endpointId: endpoint.id,
      ownerId: endpoint.ownerId,
      url: endpoint.url,
      reason,
    });
    return true;
  }
}
