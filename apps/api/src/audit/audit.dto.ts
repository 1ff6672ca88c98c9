import { auditActions, auditPageMaxLimit, type AuditAction, type AuditListQuery } from '@atelier/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QueryInt } from '../common/query-int.js';

/** GET /api/admin/audit query. */
export class AuditQueryDto implements AuditListQuery {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: auditPageMaxLimit, default: 50 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(auditPageMaxLimit)
  limit?: number;

  @ApiPropertyOptional({ enum: auditActions })
  @IsOptional()
  @IsIn(auditActions)
  action?: AuditAction;
}
