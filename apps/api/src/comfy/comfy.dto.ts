import { jobStatuses, type JobStatus } from '@atelier/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QueryInt } from '../common/query-int.js';
import { booleanWords } from '../common/boolean-words.js';

/** GET /api/comfy/jobs query. */
export class JobsQueryDto {
  @ApiPropertyOptional({ enum: jobStatuses })
  @IsOptional()
  @IsIn(jobStatuses)
  status?: JobStatus;

  @ApiPropertyOptional({ enum: booleanWords, description: 'Only my jobs (users always see only theirs)' })
  @IsOptional()
  @IsIn(booleanWords)
  mine?: (typeof booleanWords)[number];

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** GET /api/comfy/object-info query. */
export class ObjectInfoQueryDto {
  @ApiPropertyOptional({ enum: booleanWords, description: 'Skip the cache (rate limited)' })
  @IsOptional()
  @IsIn(booleanWords)
  refresh?: (typeof booleanWords)[number];
}
