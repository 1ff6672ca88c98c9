import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { OwnedByUser } from '../users/owned-by-user.js';

/** A URL a user subscribed to events (table shape only; see webhook-endpoints.repository.ts for the queries). */
@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity extends OwnedByUser {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  url!: string;

  /** `whsec_` + base64 of 32 random bytes: kept in clear, since signing needs it. */
  @Column({ type: 'text' })
  secret!: string;

  /** JSON array of WebhookEventName. */
  @Column({ name: 'events_json', type: 'text' })
  eventsJson!: string;

  @Column({ name: 'all_users', type: 'boolean' })
  allUsers!: boolean;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'disabled_at', type: 'text', nullable: true })
  disabledAt!: string | null;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  @Column({ name: 'failing_since', type: 'text', nullable: true })
  failingSince!: string | null;

  @Column({ name: 'created_at', type: 'text' })
  createdAt!: string;
}
