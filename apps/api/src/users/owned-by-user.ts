import { Column, JoinColumn, ManyToOne } from 'typeorm';
import { UserEntity } from './user.entity.js';

/** The owner column of a row that belongs to a user and is deleted with them (a base for entities). */
export abstract class OwnedByUser {
  @Column({ name: 'owner_id', type: 'integer' })
  ownerId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: UserEntity;
}
