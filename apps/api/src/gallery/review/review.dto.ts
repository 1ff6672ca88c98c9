import { galleryPageMaxLimit, type ReviewQuery } from '@atelier/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QueryInt } from '../../common/query-int.js';

/** GET /api/review query. */
export class ReviewQueryDto implements ReviewQuery {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: galleryPageMaxLimit, default: 50 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(galleryPageMaxLimit)
  limit?: number;
}
