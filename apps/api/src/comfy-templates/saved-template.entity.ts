import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One saved version of a curator's workflow template (table shape only; see saved-library.ts for the Template). */
@Entity({ name: 'comfy_saved_templates' })
export class SavedTemplateEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  /** `templateVersion(prompt, params)`: what the ledger records of jobs run from it. */
  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  description!: string;

  /** The API prompt, as JSON text. */
  @Column({ name: 'prompt_json', type: 'text' })
  promptJson!: string;

  /** The parameter contract, as JSON text. */
  @Column({ name: 'params_json', type: 'text' })
  paramsJson!: string;

  /** Null once the account is deleted. */
  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdBy!: number | null;

  /** As it was when the version was saved. */
  @Column({ name: 'created_by_username', type: 'text' })
  createdByUsername!: string;

  /** ISO-8601 UTC with milliseconds, set by the app. */
  @Column({ name: 'created_at', type: 'text' })
  createdAt!: string;
}
