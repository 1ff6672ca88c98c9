import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity.js';

export interface NewApiKey {
  userId: number;
  name: string;
  prefix: string;
  keyHash: string;
  scopesJson: string;
  expiresAt: Date | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly rows: Repository<ApiKeyEntity>) {}

  async insert(key: NewApiKey): Promise<ApiKeyEntity> {
    const { identifiers } = await this.rows.insert(key);
    return this.rows.findOneByOrFail({ id: (identifiers[0] as { id: number }).id });
  }

  /** By the unique hash index: the one lookup the auth path makes per key request. */
  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.rows.findOneBy({ keyHash });
  }

  /** A user's keys that still work or could (not revoked), newest first; expired ones stay listed. */
  listOf(userId: number): Promise<ApiKeyEntity[]> {
    return this.rows.find({ where: { userId, revokedAt: IsNull() }, order: { id: 'DESC' } });
  }

  /** How many usable keys the user has (not revoked, not expired), for the per-user cap. */
  countLive(userId: number, now: Date): Promise<number> {
    return this.rows.count({
      where: [
        { userId, revokedAt: IsNull(), expiresAt: IsNull() },
        { userId, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      ],
    });
  }

  /** The revoked key, or null when it is not the user's or revoked already: one UPDATE decides. */
  async revoke(userId: number, id: number, now: Date): Promise<ApiKeyEntity | null> {
    const result = await this.rows.update({ id, userId, revokedAt: IsNull() }, { revokedAt: now });
    return (result.affected ?? 0) > 0 ? this.rows.findOneBy({ id }) : null;
  }

  async touch(id: number, at: Date, ip: string | null): Promise<void> {
    await this.rows.update({ id }, { lastUsedAt: at, lastUsedIp: ip });
  }
}
