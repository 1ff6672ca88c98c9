import { Module } from '@nestjs/common';
import { ComfyModule } from '../comfy/comfy.module.js';
import { AdminConfigController } from './admin-config.controller.js';
import { BackendsController } from './backends.controller.js';
import { BackgroundController } from './background.controller.js';

/**
 * Admin-only HTTP routes over app-wide state: GET/PATCH /api/admin/config (the runtime settings config/ keeps),
 * the pool of ComfyUI servers (/api/admin/backends, served by comfy/'s BackendsAdmin) and the background
 * queues (/api/admin/background: counts, failed jobs, retry).
 */
@Module({
  imports: [ComfyModule],
  controllers: [AdminConfigController, BackendsController, BackgroundController],
})
export class AdminModule {}
