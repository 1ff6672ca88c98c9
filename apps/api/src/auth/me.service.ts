import type { MeResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { WebhookEndpointsRepository } from '../webhooks/webhook-endpoints.repository.js';
import type { AuthenticatedUser } from './auth.service.js';

/**
 * GET /api/auth/me. Besides who the caller is, it carries the notices the web shows on every page: the web
 * loads it at boot and sign-in, and no per-user live channel exists to push them.
 */
@Injectable()
export class MeService {
  constructor(private readonly webhookEndpoints: WebhookEndpointsRepository) {}

  async of(user: AuthenticatedUser): Promise<MeResponse> {
    return {
      id: user.id,
      username: user.username,
      role: user.role,
      must_change_password: user.mustChangePassword,
      disabled_webhooks: await this.webhookEndpoints.countDisabledOf(user.id),
    };
  }
}
