import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ShareEntity } from './share.entity.js';

/** A share with the names its owner's list shows. */
export interface ShareRow extends ShareEntity {
  ownerUsername: string;
  boardName: string | null;
}

export type NewShare = Omit<ShareEntity, 'id' | 'views'>;

/** The shares table; the only file of sharing/ that runs queries. */
@Injectable()
export class SharesRepository {
  constructor(@InjectRepository(ShareEntity) private readonly rows: Repository<ShareEntity>) {}

  async insert(share: NewShare): Promise<number> {
    const saved = await this.rows.save(this.rows.create({ ...share, views: 0 }));
    return saved.id;
  }

  findByTokenHash(tokenHash: string): Promise<ShareEntity | null> {
    return this.rows.findOneBy({ tokenHash });
  }

  findById(id: number): Promise<ShareEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** Newest first; every owner's when `ownerId` is null (admins). */
  async list(ownerId: number | null): Promise<ShareRow[]> {
    let query = this.rows
      .createQueryBuilder('s')
      .leftJoin('users', 'u', 'u.id = s.owner_id')
      .leftJoin('boards', 'b', 'b.id = s.board_id')
      .addSelect('u.username', 'owner_username')
      .addSelect('b.name', 'board_name')
      .orderBy('s.id', 'DESC');
    if (ownerId !== null) query = query.where('s.owner_id = :ownerId', { ownerId });
    const { entities, raw } = await query.getRawAndEntities<{
      owner_username: string | null;
      board_name: string | null;
    }>();
    return entities.map((entity, index) => ({
      ...entity,
      ownerUsername: raw[index]?.owner_username ?? '',
      boardName: raw[index]?.board_name ?? null,
    }));
  }

  async delete(id: number): Promise<boolean> {
    return ((await this.rows.delete({ id })).affected ?? 0) > 0;
  }

  async countView(id: number): Promise<void> {
    await this.rows.increment({ id }, 'views', 1);
  }
}
