import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
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
 */
@Module({
  imports: [TypeOrmModule.forFeature([ShareEntity]), GalleryModule, UsersModule],
  controllers: [SharesController, PublicSharesController],
  providers: [
    SharesRepository,
    SharesService,
    PublicSharesService,
    ShareThrottle,
    { provide: SHARE_RATE_LIMITS, useValue: defaultShareRateLimits },
  ],
})
export class SharingModule implements NestModule {
  // A middleware, not an interceptor: error answers (404, 410) must carry it too.
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(noindex).forRoutes(PublicSharesController);
  }
}

function noindex(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  next();
}
