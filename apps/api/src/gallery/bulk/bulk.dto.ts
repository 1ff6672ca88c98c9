import { bulkActionTypes, bulkMaxIds, galleryMaxTags, type BulkActionType } from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { maxRowId } from '../../common/row-id.js';
import { SearchFiltersDto } from '../search/search.dto.js';

/** Exactly one of `ids` and `query` (checked by the service, which names the field). */
export class BulkSelectionDto {
  @ApiPropertyOptional({ type: [Number], maxItems: bulkMaxIds })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(bulkMaxIds)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(maxRowId, { each: true })
  ids?: number[];

  @ApiPropertyOptional({ type: SearchFiltersDto, description: 'Everything this search matches' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SearchFiltersDto)
  query?: SearchFiltersDto;
}

/** The action and its argument: `tags` for tag/untag, `rating`, `favorite`, `board_id`, `note` for reject. */
export class BulkActionDto {
  @ApiProperty({ enum: bulkActionTypes })
  @IsIn(bulkActionTypes)
  type!: BulkActionType;

  @ApiPropertyOptional({ type: [String], maxItems: galleryMaxTags })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(galleryMaxTags)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 5 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5)
  rating?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  favorite?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(maxRowId)
  board_id?: number;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class BulkRequestDto {
  @ApiProperty({ type: BulkSelectionDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BulkSelectionDto)
  selection!: BulkSelectionDto;

  @ApiProperty({ type: BulkActionDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BulkActionDto)
  action!: BulkActionDto;
}
