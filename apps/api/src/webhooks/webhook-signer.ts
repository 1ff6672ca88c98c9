import { webhookSecretPrefix } from '@atelier/contract';
import { createHmac } from 'node:crypto';

/** The three Standard Webhooks headers of one try. */
export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs a body per the Standard Webhooks specification: `v1,` + base64(HMAC-SHA256(key, `${id}.${ts}.${body}`)),
 * the key being the base64 after `whsec_`. The timestamp is the try's (seconds), not the event's: receivers
 * reject old timestamps, and a retry hours later must still verify.
 */
export function signWebhook(
  secret: string,
  id: string,
  body: string,
  at: Date = new Date(),
): WebhookSignatureHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const key = Buffer.from(
    secret.startsWith(webhookSecretPrefix) ? secret.slice(webhookSecretPrefix.length) : secret,
    'base64',
  );
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
