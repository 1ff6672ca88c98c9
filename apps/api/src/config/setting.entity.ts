import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One admin override of a runtime setting; a missing row means "use env or default". */
@Entity({ name: 'settings' })
export class SettingEntity {
  @PrimaryColumn({ type: 'text' })
  key!: string;

  /** JSON-encoded value, checked against the setting's rules when loaded. */
  @Column({ type: 'text' })
  value!: string;

  @Column({ name: 'updated_by', type: 'integer', nullable: true })
  updatedBy!: number | null;

  @UpdateDateColumn({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
