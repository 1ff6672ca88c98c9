import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { EventBus } from '../events/event-bus.js';
import { SafeSender } from './safe-sender.js';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
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

/** How often the worker looks for due rows when nothing woke it (a restart, another process's rows). */
const pollMs = 5_000;
/** A claimed row is this worker's until then; a worker that died mid-try frees it at the lease's end. */
const leaseMs = 60_000;
const batchSize = 10;

/**
 * Sends stored deliveries: claims the due rows, signs and sends each through SafeSender, and records the try
 * with its next time (or delivered, or given up). Rows are the only state, so deliveries pending at a
 * shutdown are taken again at the next boot.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly shutdown = new AbortController();

  constructor(
    private readonly repository: WebhookDeliveriesRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly sender: SafeSender,
    private readonly bus: EventBus,
    deliveries: WebhookDeliveries,
    @Inject(WEBHOOK_RETRY_DELAYS) private readonly retryDelaysMs: readonly number[],
    @Inject(WEBHOOK_DISABLE_AFTER_MS) private readonly disableAfterMs: number,
  ) {
    deliveries.onStored(() => this.wake());
  }

  onApplicationBootstrap(): void {
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.shutdown.abort();
    await this.running;
  }

  /** Looks for due rows now (or right after the pass in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again) this.wake();
      else void this.sleep();
    });
  }

  private async pass(): Promise<void> {
    try {
      let claimed: WebhookDeliveryEntity[];
      do {
        this.again = false;
        const now = Date.now();
        claimed = await this.repository.claimDue(
          new Date(now).toISOString(),
          new Date(now + leaseMs).toISOString(),
          batchSize,
        );
        await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      } while (!this.stopped && claimed.length === batchSize);
    } catch (error) {
      this.logger.error({ err: error }, 'Webhook delivery pass failed');
    }
  }

  /** Until the earliest pending row is due, or the poll interval, whichever is sooner. */
  private async sleep(): Promise<void> {
    if (this.stopped) return;
    let delay = pollMs;
    try {
      const next = await this.repository.nextDueAt();
      if (next !== null) delay = Math.max(0, Math.min(pollMs, Date.parse(next) - Date.now()));
    } catch {
      // The database is closing or busy: the poll interval will do.
    }
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private async attempt(delivery: WebhookDeliveryEntity): Promise<void> {
    const endpoint = (await this.endpoints.find(delivery.endpointId))?.endpoint;
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
    // Cut short by a shutdown: not the receiver's fault, so not a try; the next boot sends it again.
    if (result.aborted) {
      await this.repository.release(delivery.id);
      return;
    }
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const tries = delivery.attempts + 1;
    const delay = this.retryDelaysMs[tries - 1];
    const outcome: AttemptOutcome = {
      attempt: {
        at: at.toISOString(),
        status: result.status,
        latency_ms: result.latencyMs,
        error: ok ? null : (result.error ?? `HTTP ${result.status ?? '?'}`),
      },
      responseExcerpt: result.excerpt,
      next: ok
        ? { status: 'delivered' }
        : delay === undefined
          ? { status: 'gave_up' }
          : { status: 'pending', at: new Date(Date.now() + delay).toISOString() },
    };
    await this.repository.recordAttempt(delivery, outcome);
    await this.endpoints.noteResult(endpoint.id, ok, at.toISOString());
    if (!ok) await this.disableIfFailingTooLong(endpoint.id, at);
  }

  /** After days of failures the endpoint is switched off and its owner told (the event; the UI shows it). */
  private async disableIfFailingTooLong(endpointId: number, now: Date): Promise<void> {
    const endpoint = (await this.endpoints.find(endpointId))?.endpoint;
    if (!endpoint?.enabled || endpoint.failingSince === null) return;
    if (now.getTime() - Date.parse(endpoint.failingSince) < this.disableAfterMs) return;
    const days = Math.max(1, Math.round(this.disableAfterMs / 86_400_000));
    const reason = `Every delivery failed since ${endpoint.failingSince} (over ${days} day${days === 1 ? '' : 's'})`;
    if (!(await this.endpoints.disable(endpoint.id, reason, now.toISOString()))) return;
    await this.repository.giveUpPendingOf(endpoint.id, 'endpoint disabled');
    this.logger.warn({ endpointId: endpoint.id, ownerId: endpoint.ownerId }, 'Webhook endpoint disabled');
    await this.bus.publish('webhook.disabled', {
      endpointId: endpoint.id,
      ownerId: endpoint.ownerId,
      url: endpoint.url,
      reason,
    });
  }
}
