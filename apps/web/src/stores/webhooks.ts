import type {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  WebhookDeliverySummary,
  WebhookEndpointView,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { webhooksApi } from '../api/webhooks';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/** Your webhooks: the endpoints, each one's delivery log once opened, and the secret shown once. */
export const useWebhooksStore = defineStore('webhooks', () => {
  const notifications = useNotificationsStore();
  const items = ref<WebhookEndpointView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  /** The secret of the endpoint just created or rotated: shown until dismissed, never fetched again. */
  const revealed = ref<{ id: number; secret: string } | null>(null);
  const deliveries = ref<Record<number, WebhookDeliverySummary[]>>({});
  const pendingIds = ref<number[]>([]);

  async function load(): Promise<void> {
    status.value = items.value.length ? 'ready' : 'loading';
    error.value = null;
    try {
      items.value = (await webhooksApi.list()).items;
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** Throws the API's refusal (the form shows it on its fields). */
  async function create(body: CreateWebhookRequest): Promise<void> {
    const made = await webhooksApi.create(body);
    const { secret, ...view } = made;
    items.value = [...items.value, view];
    revealed.value = { id: made.id, secret };
  }

  async function withPending(id: number, work: () => Promise<void>, failure: string): Promise<boolean> {
    pendingIds.value = [...pendingIds.value, id];
    try {
      await work();
      return true;
    } catch (e) {
      notifications.error({ title: failure, message: describeError(e) });
      return false;
    } finally {
      pendingIds.value = pendingIds.value.filter((pending) => pending !== id);
    }
  }

  function update(id: number, body: UpdateWebhookRequest, failure = 'Could not change the webhook') {
    return withPending(
      id,
      async () => {
        const changed = await webhooksApi.update(id, body);
        if ('secret' in changed) {
          const { secret, ...view } = changed;
          revealed.value = { id, secret };
          replace(view);
        } else replace(changed);
      },
      failure,
    );
  }

  function replace(view: WebhookEndpointView): void {
    items.value = items.value.map((item) => (item.id === view.id ? view : item));
  }

  function remove(id: number) {
    return withPending(
      id,
      async () => {
        await webhooksApi.remove(id);
        items.value = items.value.filter((item) => item.id !== id);
        if (revealed.value?.id === id) revealed.value = null;
      },
      'Could not delete the webhook',
    );
  }

  async function loadDeliveries(id: number): Promise<void> {
    await withPending(
      id,
      async () => {
        deliveries.value = { ...deliveries.value, [id]: (await webhooksApi.deliveries(id)).items };
      },
      'Could not load the deliveries',
    );
  }

  async function sendTest(id: number): Promise<void> {
    const ok = await withPending(
      id,
      () => webhooksApi.test(id).then(() => undefined),
      'Could not send a test',
    );
    if (ok) notifications.success({ title: 'Test queued', message: 'It is sent in a moment.' });
    if (ok) await loadDeliveries(id);
  }

  async function redeliver(id: number, deliveryId: string): Promise<void> {
    const ok = await withPending(
      id,
      () => webhooksApi.redeliver(id, deliveryId).then(() => undefined),
      'Could not redeliver',
    );
    if (ok) await loadDeliveries(id);
  }

  return {
    items,
    status,
    error,
    revealed,
    deliveries,
    pendingIds,
    load,
    create,
    update,
    remove,
    loadDeliveries,
    sendTest,
    redeliver,
  };
});
