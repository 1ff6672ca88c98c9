import {
  shareMaxImages,
  type AuthUser,
  type GallerySearchItem,
  type PublicShare,
  type PublicShareImage,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { ImageFile } from '../gallery/gallery.service.js';
import { SharedImages } from '../gallery/shared-images.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UsersService } from '../users/users.service.js';
import type { ShareEntity } from './share.entity.js';
import { SharesRepository } from './shares.repository.js';
import { notFound, parseIds } from './shares.service.js';
import {
  isShareTokenShaped,
  isValidUnlock,
  shareTokenHash,
  shareUnlockTtlS,
  unlockValue,
} from './share-token.js';
import { ShareThrottle } from './share-throttle.js';

/** A request to a link: its token, the client's address and its unlock cookie (if any). */
export interface ShareVisit {
  token: string;
  ip: string;
  unlock: unknown;
}

interface OpenShare {
  share: ShareEntity;
  owner: AuthUser;
}

/**
 * What a link's visitor sees, without signing in: exactly the shared images that its owner may see
 * now, nothing else. Unknown, revoked and disowned links all answer the same 404; expired ones 410.
 */
@Injectable()
export class PublicSharesService {
  constructor(
    private readonly shares: SharesRepository,
    private readonly images: SharedImages,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: ShareThrottle,
  ) {}

  async view(visit: ShareVisit): Promise<PublicShare> {
    const { share, owner } = await this.open(visit, true);
    const items = await this.images.items(await this.imageIds(share, owner), owner);
    await this.shares.countView(share.id);
    return {
      kind: share.kind,
      title: share.boardId === null ? null : await this.boardName(share.id),
      expires_at: share.expiresAt,
      redact: Boolean(share.redact),
      allow_download: Boolean(share.allowDownload),
      images: items.map((item) => toPublicImage(item, visit.token, share)),
    };
  }

  /** The original (or, redacted, a copy without prompts); `redact` tells the sender which. */
  async file(
    visit: ShareVisit,
    id: number,
    download: boolean,
  ): Promise<{ file: ImageFile; redact: boolean }> {
    const { share, owner } = await this.member(visit, id);
    if (download && !share.allowDownload) {
      throw new AppError('auth.forbidden', 'This link does not allow downloads');
    }
    return { file: await this.images.original(id, owner, download), redact: Boolean(share.redact) };
  }

  async thumbnail(visit: ShareVisit, id: number): Promise<ImageFile> {
    const { owner } = await this.member(visit, id);
    return this.images.thumbnail(id, owner);
  }

  /** Checks the password; answers the unlock cookie's value and lifetime. */
  async unlock(visit: ShareVisit, password: string): Promise<{ value: string; maxAgeS: number }> {
    const { share } = await this.open(visit, false);
    if (share.passwordHash === null) throw new AppError('conflict', 'This link has no password');
    await this.throttle.assertUnlock(share.tokenHash);
    if (!(await this.hasher.verifyOrWaste(share.passwordHash, password))) {
      throw new AppError('share.wrong_password', 'That is not the password of this link');
    }
    const expiresAtS = Math.floor(Date.now() / 1000) + shareUnlockTtlS;
    return { value: unlockValue(share.id, share.passwordHash, expiresAtS), maxAgeS: shareUnlockTtlS };
  }

  /** An image of the link: any other id answers the link's own 404, whatever it names. */
  private async member(visit: ShareVisit, id: number): Promise<OpenShare> {
    const open = await this.open(visit, true);
    if (!(await this.imageIds(open.share, open.owner)).includes(id)) throw notFound();
    return open;
  }

  private async open(visit: ShareVisit, needsUnlock: boolean): Promise<OpenShare> {
    await this.throttle.assertRequest(visit.ip);
    if (!isShareTokenShaped(visit.token)) throw notFound();
    const share = await this.shares.findByTokenHash(shareTokenHash(visit.token));
    if (!share) throw notFound();
    if (share.expiresAt !== null && Date.parse(share.expiresAt) <= Date.now()) {
      throw new AppError('share.expired', 'This link has expired');
    }
    const owner = await this.users.findActive(share.ownerId);
    if (!owner) throw notFound();
    if (
      needsUnlock &&
      share.passwordHash !== null &&
      !isValidUnlock(visit.unlock, share.id, share.passwordHash)
    ) {
      throw new AppError('share.password_required', 'This link needs its password');
    }
    return { share, owner: { id: owner.id, username: owner.username, role: owner.role } };
  }

  private async imageIds(share: ShareEntity, owner: AuthUser): Promise<number[]> {
    if (share.boardId === null) return this.images.visibleIds(parseIds(share.imageIdsJson ?? '[]'), owner);
    try {
      return await this.images.boardIds(share.boardId, owner, shareMaxImages);
    } catch (error) {
      // The owner no longer sees the board (made private by someone else): it shares nothing.
      if (error instanceof AppError && error.code === 'not_found') return [];
      throw error;
    }
  }

  private async boardName(id: number): Promise<string | null> {
    return (await this.shares.findRow(id))?.boardName ?? null;
  }
}

function toPublicImage(item: GallerySearchItem, token: string, share: ShareEntity): PublicShareImage {
  const base = `/api/public/shares/${token}/images/${item.id}`;
  return {
    id: item.id,
    mime: item.mime,
    width: item.width,
    height: item.height,
    created_at: item.created_at,
    thumbnail_url: `${base}/thumbnail`,
    file_url: `${base}/file`,
    download_url: share.allowDownload ? `${base}/file?download=1` : null,
    params: share.redact ? null : item.params,
  };
}
