/** The background queue a stored delivery is sent from, one job per delivery (its id is the delivery's). */
export const deliverQueue = 'webhook.deliver';

/** A `webhook.deliver` job's data: the row is the state, the job only says which one. */
export interface DeliverJob {
  deliveryId: string;
}
