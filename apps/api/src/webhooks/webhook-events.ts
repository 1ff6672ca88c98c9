import type { WebhookEventName } from '@atelier/contract';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AppEventMap } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { WebhookDeliveries } from './webhook-deliveries.service.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';

/** One webhook event about one user's resource. */
interface Outgoing {
  event: WebhookEventName;
  /** Whose resource it is: their endpoints receive it (and admins' all-users endpoints). */
  ownerId: number;
  data: Record<string, unknown>;
}

/**
 * Turns bus events into stored deliveries. A user's endpoint gets only events about what they own (a job's or
 * sweep's owner, an image's creator); an admin's `all_users` endpoint gets everyone's, judged by the owner's
 * role now (a demoted admin's endpoint narrows at once). A disabled owner's endpoints get nothing. Only rows are
 * written here; the worker sends them, so a publisher is never held up by a receiver.
 */
@Injectable()
export class WebhookFanOut implements OnModuleInit, OnModuleDestroy {
  private detach: (() => void)[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  onModuleInit(): void {
    const jobEnds = ['job.succeeded', 'job.failed', 'job.lost'] as const;
    this.detach = [
      ...jobEnds.map((name) => this.bus.subscribe(name, (end) => this.send([jobOutgoing(name, end)]))),
      this.bus.subscribe('gallery.image_kept', ({ actor, image }) =>
        this.send([
          {
            event: 'image.kept',
            ownerId: image.createdBy,
            data: {
              image_id: image.id,
              created_by: image.createdBy,
              prompt_id: image.promptId,
              kept_by: actor?.id ?? null,
            },
          },
        ]),
      ),
      this.bus.subscribe('gallery.images_reviewed', (review) => this.reviewed(review)),
      this.bus.subscribe('sweep.finished', (sweep) =>
        this.send([
          {
            event: 'sweep.finished',
            ownerId: sweep.ownerId,
            data: {
              sweep_id: sweep.sweepId,
              owner_id: sweep.ownerId,
              total: sweep.total,
              succeeded: sweep.succeeded,
              failed: sweep.failed,
            },
          },
        ]),
      ),
    ];
  }

  onModuleDestroy(): void {
    for (const off of this.detach.splice(0)) off();
  }

  /** One delivery per image, so a receiver acts on each the same way whatever the batch was. */
  private async reviewed(review: AppEventMap['gallery.images_reviewed']): Promise<void> {
    if (review.decision !== 'approved' && review.decision !== 'rejected') return;
    const event = review.decision === 'approved' ? 'image.approved' : 'image.rejected';
    const owners = await this.endpoints.imageOwners(review.ids);
    await this.send(
      [...owners].map(([id, createdBy]) => ({
        event,
        ownerId: createdBy,
        data: { image_id: id, created_by: createdBy, reviewed_by: review.actor.id, note: review.note },
      })),
    );
  }

  private async send(outgoing: readonly Outgoing[]): Promise<void> {
    if (outgoing.length === 0) return;
    const subscribers = await this.endpoints.subscribers(outgoing[0]!.event);
    for (const { event, ownerId, data } of outgoing) {
      for (const { endpoint, ownerRole } of subscribers) {
        const everyone = endpoint.allUsers && ownerRole === 'admin';
        if (endpoint.ownerId === ownerId || everyone) await this.deliveries.enqueue(endpoint, event, data);
      }
    }
  }
}

function jobOutgoing(
  event: 'job.succeeded' | 'job.failed' | 'job.lost',
  end: AppEventMap['job.succeeded'],
): Outgoing {
  return {
    event,
    ownerId: end.ownerId,
    data: {
      prompt_id: end.promptId,
      owner_id: end.ownerId,
      status: end.job.status,
      images: end.job.images,
      error: end.job.error,
    },
  };
}
