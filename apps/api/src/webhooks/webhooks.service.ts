import {
  roleAtLeast,
  type WebhookDeliveryListResponse,
  type WebhookDeliveryQueued,
  type WebhookEndpointView,
  type WebhookEndpointWithSecret,
  type WebhookListResponse,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { AuthenticatedUser } from '../auth/auth.service.js';
import { EventBus } from '../events/event-bus.js';
import { WebhookDeliveries } from './webhook-deliveries.service.js';
import { WebhookEndpointsRepository, type EndpointWithOwner } from './webhook-endpoints.repository.js';
import { toDeliverySummary, toEndpointView } from './webhook-views.js';
import { WebhookUrls } from './webhook-urls.js';
import type { CreateWebhookDto, UpdateWebhookDto } from './webhooks.dto.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

/** A user's endpoints at most: enough for several receivers, few enough that one event stays cheap to fan out. */
export const webhookEndpointsMax = 20;
/** The delivery log shows this many, newest first. */
export const webhookDeliveriesShown = 100;

/**
 * The routes under /api/me/webhooks. Someone else's endpoint (or delivery) answers 404 like one that does not
 * exist, so ids cannot be probed; an admin may manage every endpoint. Only admins may take everyone's events
 * (`all_users`). The secret is answered at create and rotate only.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly repository: WebhookDeliveriesRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly urls: WebhookUrls,
    private readonly bus: EventBus,
  ) {}

  async list(user: AuthenticatedUser, all: boolean): Promise<WebhookListResponse> {
    if (all && !isAdmin(user)) throw new AppError('auth.forbidden', 'Only admins list every user’s webhooks');
    const rows = await this.endpoints.list(all ? null : user.id);
    return { items: rows.map(toEndpointView) };
  }

  async create(user: AuthenticatedUser, body: CreateWebhookDto): Promise<WebhookEndpointWithSecret> {
    const allUsers = body.all_users ?? false;
    if (allUsers) this.assertMayTakeAll(user);
    const url = await this.urls.check(body.url);
    if ((await this.endpoints.list(user.id)).length >= webhookEndpointsMax) {
      throw new AppError('conflict', `You have ${webhookEndpointsMax} webhooks already; delete one first`);
    }
    const secret = this.deliveries.newSecret();
    const created = await this.endpoints.insert({
      ownerId: user.id,
      url,
      secret,
      events: body.events,
      allUsers,
    });
    const view = toEndpointView(await this.found(created.id));
    await this.audited(user, view, 'created', {
      owner_id: view.owner_id,
      url: view.url,
      events: view.events,
      all_users: view.all_users,
    });
    return { ...view, secret };
  }

  async update(
    user: AuthenticatedUser,
    id: number,
    body: UpdateWebhookDto,
  ): Promise<WebhookEndpointView | WebhookEndpointWithSecret> {
    const before = toEndpointView(await this.owned(user, id));
    if (body.all_users) this.assertMayTakeAll(user);
    const url = body.url === undefined ? undefined : await this.urls.check(body.url);
    const secret = body.rotate_secret ? this.deliveries.newSecret() : undefined;
    await this.endpoints.update(id, {
      url,
      events: body.events,
      allUsers: body.all_users,
      enabled: body.enabled,
      secret,
    });
    const view = toEndpointView(await this.found(id));
    const changes = changed(before, view);
    if (secret !== undefined) changes.secret = 'rotated';
    if (Object.keys(changes).length > 0) await this.audited(user, view, 'updated', changes);
    return secret === undefined ? view : { ...view, secret };
  }

  async remove(user: AuthenticatedUser, id: number): Promise<void> {
    const view = toEndpointView(await this.owned(user, id));
    await this.endpoints.delete(id);
    await this.audited(user, view, 'deleted', { owner_id: view.owner_id, url: view.url });
  }

  async deliveryLog(user: AuthenticatedUser, id: number): Promise<WebhookDeliveryListResponse> {
    await this.owned(user, id);
    const rows = await this.repository.deliveriesOf(id, webhookDeliveriesShown);
    return { items: rows.map(toDeliverySummary) };
  }

  async test(user: AuthenticatedUser, id: number): Promise<WebhookDeliveryQueued> {
    const { endpoint } = await this.owned(user, id);
    assertEnabled(endpoint.enabled);
    return { delivery_id: await this.deliveries.sendTest(endpoint) };
  }

  async redeliver(user: AuthenticatedUser, id: number, deliveryId: string): Promise<WebhookDeliveryQueued> {
    const { endpoint } = await this.owned(user, id);
    const delivery = await this.repository.findDelivery(deliveryId);
    if (!delivery || delivery.endpointId !== id) {
      throw new AppError('not_found', 'No such delivery for this webhook');
    }
    assertEnabled(endpoint.enabled);
    const queued = await this.deliveries.redeliver(deliveryId);
    if (queued === null) throw new AppError('not_found', 'No such delivery for this webhook');
    return { delivery_id: queued };
  }

  /** The endpoint, if the user may manage it: theirs, or any for an admin. */
  private async owned(user: AuthenticatedUser, id: number): Promise<EndpointWithOwner> {
    const row = await this.endpoints.find(id);
    if (!row || (row.endpoint.ownerId !== user.id && !isAdmin(user))) {
      throw new AppError('not_found', 'No such webhook');
    }
    return row;
  }

  private async found(id: number): Promise<EndpointWithOwner> {
    const row = await this.endpoints.find(id);
    if (!row) throw new AppError('not_found', 'No such webhook');
    return row;
  }

  private audited(
    user: AuthenticatedUser,
    view: WebhookEndpointView,
    change: 'created' | 'updated' | 'deleted',
    changes: Record<string, unknown>,
  ): Promise<void> {
    return this.bus.publish('webhook.endpoint_changed', {
      actor: { id: user.id, username: user.username },
      endpoint: { id: view.id, ownerId: view.owner_id, url: view.url },
      change,
      changes,
    });
  }

  private assertMayTakeAll(user: AuthenticatedUser): void {
    if (!isAdmin(user)) throw new AppError('auth.forbidden', 'Only admins may take every user’s events');
  }
}

function isAdmin(user: AuthenticatedUser): boolean {
  return roleAtLeast(user.role, 'admin');
}

/** What a PATCH moved, as `{ from, to }` per field. */
function changed(before: WebhookEndpointView, after: WebhookEndpointView): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of ['url', 'events', 'all_users', 'enabled'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changes[key] = { from: before[key], to: after[key] };
    }
  }
  return changes;
}

function assertEnabled(enabled: boolean): void {
  if (!enabled) throw new AppError('conflict', 'This webhook is disabled: enable it first');
}
