import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { dateFrom, Sql } from '../database/sql.js';
import { ApiKeyEntity } from './api-key.entity.js';

export interface NewApiKey {
  userId: number;
  name: string;
  prefix: string;
  keyHash: string;
  scopesJson: string;
  expiresAt: Date | null;
}

/** What authenticating a request with a key reads of it. */
export type ApiKeyAuthRow = Pick<
  ApiKeyEntity,
  'id' | 'userId' | 'keyHash' | 'scopesJson' | 'expiresAt' | 'revokedAt' | 'lastUsedAt' | 'lastUsedIp'
>;

interface RawAuthRow {
  id: number;
  user_id: number;
  key_hash: string;
  scopes_json: string;
  expires_at: string | Date | null;
  revoked_at: string | Date | null;
  last_used_at: string | Date | null;
  last_used_ip: string | null;
}

const byHashSql = `SELECT "id", "user_id", "key_hash", "scopes_json", "expires_at", "revoked_at", "last_used_at", "last_used_ip"
  FROM "api_keys" WHERE "key_hash" = ?`;

const optionalDate = (value: string | Date | null) => (value === null ? null : dateFrom(value));

@Injectable()
export class ApiKeysRepository {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly rows: Repository<ApiKeyEntity>,
    private readonly sql: Sql,
  ) {}

  async insert(key: NewApiKey): Promise<ApiKeyEntity> {
    const { identifiers } = await this.rows.insert(key);
    return this.rows.findOneByOrFail({ id: (identifiers[0] as { id: number }).id });
  }

  /** By the unique hash index: the one lookup the auth path makes per key request (hand-written, as the session check). */
  async findByHash(keyHash: string): Promise<ApiKeyAuthRow | null> {
    const row = await this.sql.get<RawAuthRow>(byHashSql, [keyHash]);
    if (row === undefined) return null;
    return {
      id: row.id,
      userId: row.user_id,
      keyHash: row.key_hash,
      scopesJson: row.scopes_json,
      expiresAt: optionalDate(row.expires_at),
      revokedAt: optionalDate(row.revoked_at),
      lastUsedAt: optionalDate(row.last_used_at),
      lastUsedIp: row.last_used_ip,
    };
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
