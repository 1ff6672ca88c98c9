import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { preparedStatement, sqliteDatetime } from '../database/prepared.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';

export interface NewRefreshToken {
  userId: number;
  sessionId: string;
  tokenHash: string;
  expiresAt: Date;
}

@Injectable()
export class RefreshTokensRepository {
  private readonly liveSession;

  constructor(@InjectRepository(RefreshTokenEntity) private readonly rows: Repository<RefreshTokenEntity>) {
    this.liveSession = preparedStatement<{ live: 1 }>(
      rows,
      `SELECT 1 AS live FROM "refresh_tokens" WHERE "session_id" = ? AND "revoked_at" IS NULL AND "expires_at" > ? LIMIT 1`,
    );
  }

  async insert(token: NewRefreshToken): Promise<void> {
    await this.rows.insert(token);
  }

  /**
   * Revokes the token if it is still usable and returns it; null when it is unknown, expired or
   * already used. One UPDATE decides, so two concurrent refreshes with one token cannot both win.
   */
  async consume(tokenHash: string, now: Date): Promise<RefreshTokenEntity | null> {
    const result = await this.rows.update(
      { tokenHash, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      { revokedAt: now },
    );
    if ((result.affected ?? 0) === 0) return null;
    return this.rows.findOneBy({ tokenHash });
  }

  findByHash(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.rows.findOneBy({ tokenHash });
  }

  /**
   * A session is live while one of its tokens is unrevoked and unexpired. Asked on every authenticated
   * request, so it is a prepared statement read from the database each time (never cached: a revoked
   * session is refused on the very next request).
   */
  isSessionActive(sessionId: string, now: Date): boolean {
    return this.liveSession().get(sessionId, sqliteDatetime(now)) !== undefined;
  }

  async revokeSession(sessionId: string, now: Date): Promise<void> {
    await this.rows.update({ sessionId, revokedAt: IsNull() }, { revokedAt: now });
  }

  async revokeUser(userId: number, now: Date): Promise<void> {
    await this.rows.update({ userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  /** Keeps the table small: expired tokens can never be used again. */
  async deleteExpired(now: Date): Promise<void> {
    await this.rows.delete({ expiresAt: LessThan(now) });
  }
}
