import { Module } from '@nestjs/common';
import { AdminConfigController } from './admin-config.controller.js';

/** Admin-only HTTP routes over app-wide state (GET/PATCH /api/admin/config); config/ itself serves no routes. */
@Module({ controllers: [AdminConfigController] })
export class AdminModule {}
