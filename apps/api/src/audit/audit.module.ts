import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module.js';
import { AuditEntryEntity } from './audit-entry.entity.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/**
 * The audit log (GET /api/admin/audit). It records what the features announce on the bus; none of
 * them imports it, and it imports none of them.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity]), EventsModule],
  controllers: [AuditController],
  providers: [AuditRepository, AuditService],
})
export class AuditModule {}
