import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { EventsModule } from '../events/events.module.js';
import { UsersModule } from '../users/users.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { CsrfGuard } from './csrf.guard.js';
import { JWT_SECRET, resolveJwtSecret } from './jwt-secret.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginThrottle } from './login-throttle.js';
import { MachineTokens } from './machine-token.js';
import { MeService } from './me.service.js';
import { PasswordChangeGuard } from './password-change.guard.js';
import { PasswordController } from './password.controller.js';
import { PasswordService } from './password.service.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { RefreshTokenCleanup } from './refresh-token-cleanup.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { RolesGuard } from './roles.guard.js';
import { ScopesGuard } from './scopes.guard.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [
    UsersModule,
    EventsModule,
    // GET /api/auth/me counts the caller's webhooks Atelier turned off.
    WebhooksModule,
    TypeOrmModule.forFeature([RefreshTokenEntity, ApiKeyEntity]),
  ],
  controllers: [AuthController, PasswordController, SessionsController, ApiKeysController],
  providers: [
    { provide: JWT_SECRET, useFactory: resolveJwtSecret, inject: [AppConfig] },
    {
      provide: JwtService,
      useFactory: (secret: string) =>
        new JwtService({
          secret,
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
      inject: [JWT_SECRET],
    },
    RefreshTokensRepository,
    RefreshTokenCleanup,
    SessionsService,
    LoginThrottle,
    AuthService,
    MeService,
    PasswordService,
    JwtStrategy,
    MachineTokens,
    ApiKeysRepository,
    ApiKeysService,
    // Order matters: CSRF before authentication before the pending password change before roles before scopes.
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: PasswordChangeGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: ScopesGuard },
  ],
})
export class AuthModule {}
