import { maxSweepAxes, maxSweepJobs, maxSweepTextLength, sweepParams } from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { QueryInt } from '../common/query-int.js';

/** What every cell starts from; txt2img params are checked against the txt2img schema, a template's by its contract. */
export class SweepBaseDto {
  @ApiProperty({ enum: ['txt2img', 'template'] })
  @IsIn(['txt2img', 'template'])
  kind!: 'txt2img' | 'template';

  @ApiPropertyOptional({ description: 'The workflow template (kind template only)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
  name?: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  params!: Record<string, unknown>;
}

/** One axis; which fields it takes depends on `param` (checked in sweep-axes.ts). */
export class SweepAxisDto {
  @ApiProperty({ enum: sweepParams })
  @IsIn(sweepParams)
  param!: string;

  @ApiPropertyOptional({ type: 'array', items: {}, description: 'The values, in order' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(maxSweepJobs)
  values?: unknown[];

  @ApiPropertyOptional({ description: 'Seed range: the first seed' })
  @IsOptional()
  @IsInt()
  @Min(0)
  from?: number;

  @ApiPropertyOptional({ description: 'Seed range: how many seeds' })
  @IsOptional()
  @IsInt()
  @Min(1)
  count?: number;

  @ApiPropertyOptional({ description: 'lora_weight: the LoRA whose weight is swept' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  lora?: string;

  @ApiPropertyOptional({ description: 'prompt: the text each value replaces' })
  @IsOptional()
  @IsString()
  @MaxLength(maxSweepTextLength)
  search?: string;
}

/** POST /api/comfy/sweeps. */
export class SweepDto {
  @ApiProperty({ type: SweepBaseDto })
  @IsObject()
  @ValidateNested()
  @Type(() => SweepBaseDto)
  base!: SweepBaseDto;

  @ApiProperty({ type: [SweepAxisDto], minItems: 1, maxItems: maxSweepAxes })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(maxSweepAxes)
  @ValidateNested({ each: true })
  @Type(() => SweepAxisDto)
  axes!: SweepAxisDto[];
}

/** GET /api/comfy/sweeps/:id/contact-sheet.png. */
export class ContactSheetQueryDto {
  @ApiPropertyOptional({ description: 'The Z page (default 0)' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  z?: number;
}
