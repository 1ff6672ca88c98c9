import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { SavedTemplateEntity } from './saved-template.entity.js';

export type NewSavedTemplate = Omit<SavedTemplateEntity, 'id'>;

/** Named queries of the saved templates table; the only file of this folder that touches TypeORM. */
@Injectable()
export class SavedTemplatesRepository {
  constructor(
    @InjectRepository(SavedTemplateEntity) private readonly rows: Repository<SavedTemplateEntity>,
  ) {}

  /** Every version of every saved template, newest first (the table holds curated templates: tens of rows). */
  all(): Promise<SavedTemplateEntity[]> {
    return this.rows.find({ order: { id: 'DESC' } });
  }

  /** The versions of one template, newest first. */
  versionsOf(name: string): Promise<SavedTemplateEntity[]> {
    return this.rows.find({ where: { name }, order: { id: 'DESC' } });
  }

  /** Inserts a version; null when (name, version) is taken (a concurrent save of the same content). */
  async insert(row: NewSavedTemplate): Promise<SavedTemplateEntity | null> {
    try {
      return await this.rows.save(this.rows.create(row));
    } catch (error) {
      if (error instanceof QueryFailedError && /unique/i.test(error.message)) return null;
      throw error;
    }
  }
}
