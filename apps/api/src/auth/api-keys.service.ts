import {
  apiScopes,
  type ApiKeySummary,
  type ApiScope,
  type CreateApiKeyRequest,
  type CreatedApiKey,
} from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { EventBus } from '../events/event-bus.js';
import { UsersService, type ActiveUser } from '../users/users.service.js';
import { hashApiKey, newApiKeySecret, sameKeyHash } from './api-key-auth.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import type { AuthenticatedUser } from './auth.service.js';

/** Enough for every script and pipeline of one person; a runaway client cannot fill the table. */
export const maxLiveKeysPerUser = 50;
/** `last_used_*` is written at most this often per key, so a busy script does not write on every request. */
const touchEveryMs = 60_000;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly users: UsersService,
    private readonly bus: EventBus,
  ) {}

  async create(owner: ActiveUser, request: CreateApiKeyRequest, now = new Date()): Promise<CreatedApiKey> {
    const scopes = [...new Set(request.scopes)];
    // Checked against the role now; at use the current role caps it again (a demoted admin's key loses it).
    if (scopes.includes('admin') && owner.role !== 'admin') {
      throw new AppError('auth.forbidden', 'Only an admin may create a key with the admin scope');
    }
    const expiresAt = request.expires_at ? new Date(request.expires_at) : null;
    if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
      throw new AppError('validation_failed', 'The expiry must be in the future', {
        expires_at: ['must be in the future'],
      });
    }
    if ((await this.keys.countLive(owner.id, now)) >= maxLiveKeysPerUser) {
      throw new AppError('conflict', `You have ${maxLiveKeysPerUser} keys already: revoke one first`);
    }
    const { secret, hash, prefix } = newApiKeySecret();
    const row = await this.keys.insert({
      userId: owner.id,
      name: request.name.trim(),
      prefix,
      keyHash: hash,
      scopesJson: JSON.stringify(scopes),
      expiresAt,
    });
    this.logger.log({ userId: owner.id, keyId: row.id, scopes }, 'API key created');
    await this.bus.publish('api_key.changed', {
      actor: { id: owner.id, username: owner.username },
      key: { id: row.id, ownerId: owner.id, name: row.name },
      change: 'created',
      details: { prefix: row.prefix, scopes, expires_at: expiresAt?.toISOString() ?? null },
    });
    return { ...toSummary(row), key: secret };
  }

  async listOf(userId: number): Promise<ApiKeySummary[]> {
    return (await this.keys.listOf(userId)).map(toSummary);
  }

  /** Someone else's key answers like an unknown one (404), so ids reveal nothing. */
  async revoke(user: Pick<ActiveUser, 'id' | 'username'>, id: number): Promise<void> {
    const revoked = await this.keys.revoke(user.id, id, new Date());
    if (!revoked) throw new AppError('not_found', 'No such API key');
    this.logger.log({ userId: user.id, keyId: id }, 'API key revoked');
    await this.bus.publish('api_key.changed', {
      actor: { id: user.id, username: user.username },
      key: { id, ownerId: user.id, name: revoked.name },
      change: 'revoked',
      details: { prefix: revoked.prefix },
    });
  }

  /**
   * The request's user for a presented key. The owner is read from the database on every request (as for
   * sessions), so a disabled owner is refused and a demoted owner's role, which caps the scopes, is current.
   */
  async authenticate(secret: string, ip: string | null, now = new Date()): Promise<AuthenticatedUser> {
    const hash = hashApiKey(secret);
    const row = await this.keys.findByHash(hash);
    if (
      row === null ||
      !sameKeyHash(row.keyHash, hash) ||
      row.revokedAt !== null ||
      (row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime())
    ) {
      throw new AppError('auth.unauthenticated', 'The API key is not valid (unknown, revoked or expired)');
    }
    const owner = await this.users.findActive(row.userId);
    if (!owner) throw new AppError('auth.disabled', "The key's owner is disabled or no longer exists");
    if (
      row.lastUsedAt === null ||
      now.getTime() - row.lastUsedAt.getTime() >= touchEveryMs ||
      row.lastUsedIp !== ip
    ) {
      await this.keys.touch(row.id, now, ip);
    }
    return {
      ...owner,
      sessionId: null,
      apiKey: { id: row.id, scopes: effectiveScopes(parseScopes(row.scopesJson), owner) },
    };
  }
}

/** A key never does more than its owner's current role: the admin scope counts only while the owner is an admin. */
export function effectiveScopes(granted: readonly ApiScope[], owner: Pick<ActiveUser, 'role'>): ApiScope[] {
  return granted.filter((scope) => scope !== 'admin' || owner.role === 'admin');
}

function parseScopes(json: string): ApiScope[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed)
    ? parsed.filter((scope): scope is ApiScope => (apiScopes as readonly unknown[]).includes(scope))
    : [];
}

function toSummary(row: ApiKeyEntity): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseScopes(row.scopesJson),
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    last_used_ip: row.lastUsedIp,
  };
}
