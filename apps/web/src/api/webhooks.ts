import type {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  WebhookDeliveryListResponse,
  WebhookDeliveryQueued,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
  WebhookListResponse,
} from '@atelier/contract';
import { http } from './http';

export const webhooksApi = {
  /** `all`: every user's endpoints (admins only). */
  list: (all = false) => http.get<WebhookListResponse>(all ? '/me/webhooks?all=1' : '/me/webhooks'),
  create: (body: CreateWebhookRequest) => http.post<WebhookEndpointWithSecret>('/me/webhooks', body),
  update: (id: number, body: UpdateWebhookRequest) =>
    http.patch<WebhookEndpointView | WebhookEndpointWithSecret>(`/me/webhooks/${id}`, body),
  remove: (id: number) => http.delete<void>(`/me/webhooks/${id}`),
  deliveries: (id: number) => http.get<WebhookDeliveryListResponse>(`/me/webhooks/${id}/deliveries`),
  test: (id: number) => http.post<WebhookDeliveryQueued>(`/me/webhooks/${id}/test`),
  redeliver: (id: number, deliveryId: string) =>
    http.post<WebhookDeliveryQueued>(
      `/me/webhooks/${id}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
    ),
};
