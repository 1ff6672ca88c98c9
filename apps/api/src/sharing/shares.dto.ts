import {
  shareMaxImages,
  sharePasswordMaxLength,
  type ShareCreate,
  type ShareUnlock,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { booleanWords } from '../common/boolean-words.js';
import { maxRowId } from '../common/row-id.js';

/** Exactly one of the three (checked by the service, which names the fields in its 400). */
export class ShareTargetDto {
  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(maxRowId)
  image_id?: number;

  @ApiPropertyOptional({ type: [Number], maxItems: shareMaxImages })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(shareMaxImages)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(maxRowId, { each: true })
  ids?: number[];

  @ApiPropertyOptional({ minimum: 1, description: 'A manual or smart board: its images as of each view' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(maxRowId)
  board_id?: number;
}

export class CreateShareDto implements Omit<ShareCreate, 'target'> {
  @ApiProperty({ type: ShareTargetDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ShareTargetDto)
  target!: ShareTargetDto;

  @ApiPropertyOptional({ nullable: true, description: 'ISO 8601, in the future; null: never expires' })
  @IsOptional()
  @ValidateIf((_object, value) => value !== null)
  @IsISO8601({ strict: true })
  expires_at?: string | null;

  @ApiPropertyOptional({ maxLength: sharePasswordMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(sharePasswordMaxLength)
  password?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  redact?: boolean;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  allow_download?: boolean;
}

export class ListSharesQueryDto {
  @ApiPropertyOptional({ enum: booleanWords, description: "1: every user's links (admins)" })
  @IsOptional()
  @IsIn(booleanWords)
  all?: string;
}

export class PublicFileQueryDto {
  @ApiPropertyOptional({
    enum: booleanWords,
    description: '1: an attachment (only where the link allows it)',
  })
  @IsOptional()
  @IsIn(booleanWords)
  download?: string;
}

export class UnlockShareDto implements ShareUnlock {
  @ApiProperty({ maxLength: sharePasswordMaxLength })
  @IsString()
  @MinLength(1)
  @MaxLength(sharePasswordMaxLength)
  password!: string;
}
