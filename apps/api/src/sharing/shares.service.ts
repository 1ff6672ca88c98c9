import {
  roleAtLeast,
  sharePagePath,
  type AuthUser,
  type Share,
  type ShareCreated,
  type ShareList,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { EventBus } from '../events/event-bus.js';
import { SharedImages } from '../gallery/shared-images.js';
import { PasswordHasher } from '../users/password-hasher.js';
import type { CreateShareDto } from './shares.dto.js';
import { SharesRepository, type ShareRow } from './shares.repository.js';
import { newShareToken, shareTokenHash } from './share-token.js';
import type { ShareEntity } from './share.entity.js';

/** Owners create, list and revoke their links; admins list and revoke everyone's. */
@Injectable()
export class SharesService {
  constructor(
    private readonly shares: SharesRepository,
    private readonly images: SharedImages,
    private readonly hasher: PasswordHasher,
    private readonly bus: EventBus,
  ) {}

  async create(body: CreateShareDto, user: AuthUser): Promise<ShareCreated> {
    const target = await this.target(body, user);
    const expiresAt = body.expires_at ? futureInstant(body.expires_at) : null;
    const token = newShareToken();
    const id = await this.shares.insert({
      tokenHash: shareTokenHash(token),
      ownerId: user.id,
      ...target,
      expiresAt,
      passwordHash: body.password ? await this.hasher.hash(body.password) : null,
      redact: body.redact ?? true,
      allowDownload: body.allow_download ?? false,
      createdAt: new Date().toISOString(),
    });
    const row = await this.shares.findRow(id);
    if (!row) throw notFound();
    const view = toShare(row);
    const { kind, image_ids: imageIds, board, expires_at, has_password, redact, allow_download } = view;
    await this.bus.publish('share.changed', {
      actor: { id: user.id, username: user.username },
      share: { id, ownerId: user.id, kind },
      change: 'created',
      details: {
        ...(board ? { board_id: board.id } : { image_ids: imageIds }),
        expires_at,
        has_password,
        redact,
        allow_download,
      },
    });
    return { ...view, token, url: sharePagePath(token) };
  }

  async list(user: AuthUser, all: boolean): Promise<ShareList> {
    if (all && !roleAtLeast(user.role, 'admin')) {
      throw new AppError('auth.forbidden', "Only admins list everyone's share links");
    }
    return { items: (await this.shares.list(all ? null : user.id)).map(toShare) };
  }

  /** Someone else's link answers 404 like an unknown one (admins excepted). */
  async revoke(id: number, user: AuthUser): Promise<void> {
    const row = await this.shares.findById(id);
    if (!row || (row.ownerId !== user.id && !roleAtLeast(user.role, 'admin'))) throw notFound();
    // Someone else may have revoked it meanwhile: only the revoke that removed it is recorded.
    if (!(await this.shares.delete(id))) return;
    await this.bus.publish('share.changed', {
      actor: { id: user.id, username: user.username },
      share: { id, ownerId: row.ownerId, kind: row.kind },
      change: 'revoked',
      details: {},
    });
  }

  /** The owner must see what they share now; a board's images are resolved at each view instead. */
  private async target(
    body: CreateShareDto,
    user: AuthUser,
  ): Promise<Pick<ShareEntity, 'kind' | 'imageIdsJson' | 'boardId'>> {
    const { image_id: imageId, ids, board_id: boardId } = body.target;
    const given = [imageId, ids, boardId].filter((value) => value !== undefined).length;
    if (given !== 1) {
      throw new AppError('validation_failed', 'A share names one image, a list of ids or a board', {
        target: ['must hold exactly one of image_id, ids, board_id'],
      });
    }
    if (boardId !== undefined) {
      await this.images.boardIds(boardId, user, 1);
      return { kind: 'board', imageIdsJson: null, boardId };
    }
    const wanted = [...new Set(imageId === undefined ? ids! : [imageId])];
    const visible = new Set(await this.images.visibleIds(wanted, user));
    const missing = wanted.find((id) => !visible.has(id));
    if (missing !== undefined) throw new AppError('gallery.not_found', `There is no image ${missing}`);
    return {
      kind: imageId === undefined ? 'selection' : 'image',
      imageIdsJson: JSON.stringify(wanted),
      boardId: null,
    };
  }
}

export function notFound(): AppError {
  return new AppError('share.not_found', 'There is no such share link');
}

function futureInstant(text: string): string {
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
    throw new AppError('validation_failed', 'expires_at must lie in the future', {
      expires_at: ['must be an ISO 8601 instant in the future'],
    });
  }
  return at.toISOString();
}

function toShare(row: ShareRow): Share {
  return {
    id: row.id,
    kind: row.kind,
    owner: { id: row.ownerId, username: row.ownerUsername },
    image_ids: row.imageIdsJson === null ? null : parseIds(row.imageIdsJson),
    board: row.boardId === null ? null : { id: row.boardId, name: row.boardName ?? '' },
    expires_at: row.expiresAt,
    has_password: row.passwordHash !== null,
    redact: Boolean(row.redact),
    allow_download: Boolean(row.allowDownload),
    views: row.views,
    created_at: row.createdAt,
  };
}

/** Stored by us; a damaged list shares nothing rather than failing the page. */
export function parseIds(json: string): number[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((id): id is number => Number.isSafeInteger(id)) : [];
  } catch {
    return [];
  }
}
