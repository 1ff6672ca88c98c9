import { usageGroupings, type UsageGroupBy, type UsageQuery } from '@atelier/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsOptional,
  IsString,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { isUtcDay } from './utc-day.js';

/** A real UTC calendar day spelt `YYYY-MM-DD` (2026-02-30 is refused). */
@ValidatorConstraint({ name: 'utcDay' })
class UtcDay implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isUtcDay(value);
  }

  defaultMessage(): string {
    return '$property must be a day as YYYY-MM-DD';
  }
}

/** GET /api/admin/usage query. */
export class UsageQueryDto implements UsageQuery {
  @ApiPropertyOptional({
    example: '2026-12-01',
    description: 'First day (UTC), inclusive; default to − 29 days',
  })
  @IsOptional()
  @IsString()
  @Validate(UtcDay)
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-05', description: 'Last day (UTC), inclusive; default today' })
  @IsOptional()
  @IsString()
  @Validate(UtcDay)
  to?: string;

  @ApiPropertyOptional({ enum: usageGroupings, default: 'user' })
  @IsOptional()
  @IsIn(usageGroupings)
  group_by?: UsageGroupBy;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
