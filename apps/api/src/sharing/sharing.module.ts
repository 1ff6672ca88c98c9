import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module.js';
import { GalleryModule } from '../gallery/gallery.module.js';
import { UsersModule } from '../users/users.module.js';
import { PublicSharesController } from './public-shares.controller.js';
import { PublicSharesService } from './public-shares.service.js';
import { ShareEntity } from './share.entity.js';
import { defaultShareRateLimits, SHARE_RATE_LIMITS, ShareThrottle } from './share-throttle.js';
import { SharesController } from './shares.controller.js';
import { SharesRepository } from './shares.repository.js';
import { SharesService } from './shares.service.js';

/**
 * Share links: owners make them (/api/shares), anyone with the token sees the shared images
 * (/api/public/shares/:token) as the owner may see them now. Reads the gallery through SharedImages.
 * X-Robots-Tag: noindexShares, mounted in create-app (the page's path is not a Nest route).
 */
@Module({
  imports: [TypeOrmModule.forFeature([ShareEntity]), GalleryModule, UsersModule, EventsModule],
  controllers: [SharesController, PublicSharesController],
  providers: [
    SharesRepository,
    SharesService,
    PublicSharesService,
    ShareThrottle,
    { provide: SHARE_RATE_LIMITS, useValue: defaultShareRateLimits },
  ],
})
export class SharingModule {}
