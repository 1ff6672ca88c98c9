import type { ShareKind } from '@atelier/contract';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Table shape only; never sent over HTTP (see Share and PublicShare in the contract). */
@Entity({ name: 'shares' })
export class ShareEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** SHA-256 (hex) of the link's token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'owner_id', type: 'integer' })
  ownerId!: number;

  @Column({ type: 'text' })
  kind!: ShareKind;

  /** JSON array of image ids (image and selection shares). */
  @Column({ name: 'image_ids_json', type: 'text', nullable: true })
  imageIdsJson!: string | null;

  @Column({ name: 'board_id', type: 'integer', nullable: true })
  boardId!: number | null;

  /** ISO 8601, or null for a link that never expires. */
  @Column({ name: 'expires_at', type: 'text', nullable: true })
  expiresAt!: string | null;

  /** Argon2id of the link's password, or null. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'boolean' })
  redact!: boolean;

  @Column({ name: 'allow_download', type: 'boolean' })
  allowDownload!: boolean;

  @Column({ type: 'integer', default: 0 })
  views!: number;

  @Column({ name: 'created_at', type: 'text' })
  createdAt!: string;
}
