import type {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  WebhookDeliverySummary,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { webhooksApi } from '../api/webhooks';
import { useListState, usePendingIds } from './list-state';
import { useNotificationsStore } from './notifications';
import { useSessionStore } from './session';

/** Your webhooks (or, for an admin who asks, everyone's), each one's delivery log once opened, the secret shown once. */
export const useWebhooksStore = defineStore('webhooks', () => {
  const notifications = useNotificationsStore();
  const session = useSessionStore();
  /** An admin's "All users" switch: the list then mixes owners (GET ?all=1). */
  const showAll = ref(false);
  const { items, status, error, load } = useListState<WebhookEndpointView>(() =>
    webhooksApi.list(showAll.value),
  );
  const { pendingIds, withPending } = usePendingIds<number>();
  /** The secret of the endpoint just created or rotated: shown until dismissed, never fetched again. */
  const revealed = ref<{ id: number; secret: string } | null>(null);
  const deliveries = ref<Record<number, WebhookDeliverySummary[]>>({});

  async function setShowAll(all: boolean): Promise<void> {
    showAll.value = all;
    await load();
  }

  /** Throws the API's refusal (the form shows it on its fields). */
  async function create(body: CreateWebhookRequest): Promise<void> {
    const made = await webhooksApi.create(body);
    const { secret, ...view } = made;
    items.value = [...items.value, view];
    revealed.value = { id: made.id, secret };
  }

  /** Throws the API's refusal, for the edit form's fields; `update` below toasts it instead. */
  async function edit(id: number, body: UpdateWebhookRequest): Promise<void> {
    accept(await webhooksApi.update(id, body));
  }

  function update(id: number, body: UpdateWebhookRequest, failure = 'Could not change the webhook') {
    return withPending(id, () => edit(id, body), failure);
  }

  function accept(changed: WebhookEndpointView | WebhookEndpointWithSecret): void {
    let view: WebhookEndpointView = changed;
    if ('secret' in changed) {
      const { secret, ...rest } = changed;
      revealed.value = { id: changed.id, secret };
      view = rest;
    }
    const before = items.value.find((item) => item.id === view.id);
    items.value = items.value.map((item) => (item.id === view.id ? view : item));
    // Re-enabled after Atelier turned it off: the app-wide notice counts it no more (asked, not guessed, as an
    // admin's list mixes owners).
    if (before?.disabled_at && !view.disabled_at) void session.refreshNotices();
  }

  function remove(id: number) {
    return withPending(
      id,
      async () => {
        await webhooksApi.remove(id);
        const removed = items.value.find((item) => item.id === id);
        items.value = items.value.filter((item) => item.id !== id);
        // One Atelier had turned off no longer counts in the app-wide notice.
        if (removed?.disabled_at) void session.refreshNotices();
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
    const ok = await withPending(id, () => webhooksApi.test(id), 'Could not send a test');
    if (ok) notifications.success({ title: 'Test queued', message: 'It is sent in a moment.' });
    if (ok) await loadDeliveries(id);
  }

  async function redeliver(id: number, deliveryId: string): Promise<void> {
    const ok = await withPending(id, () => webhooksApi.redeliver(id, deliveryId), 'Could not redeliver');
    if (ok) await loadDeliveries(id);
  }

  return {
    items,
    status,
    error,
    showAll,
    revealed,
    deliveries,
    pendingIds,
    load,
    setShowAll,
    create,
    edit,
    update,
    remove,
    loadDeliveries,
    sendTest,
    redeliver,
  };
});
