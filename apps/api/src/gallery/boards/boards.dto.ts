import {
  boardNameMaxLength,
  boardVisibilities,
  type BoardCreate,
  type BoardPatch,
  type BoardVisibility,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { maxRowId } from '../../common/row-id.js';
import { SearchFiltersDto } from '../search/search.dto.js';

const nameRule = { message: 'name must hold something other than spaces' };

export class BoardCreateDto implements BoardCreate {
  @ApiProperty({ maxLength: boardNameMaxLength })
  @IsString()
  @MaxLength(boardNameMaxLength)
  @Matches(/\S/, nameRule)
  name!: string;

  @ApiPropertyOptional({ enum: boardVisibilities, default: 'private' })
  @IsOptional()
  @IsIn(boardVisibilities)
  visibility?: BoardVisibility;

  @ApiPropertyOptional({ type: SearchFiltersDto, nullable: true, description: 'Makes it a smart board' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SearchFiltersDto)
  query?: SearchFiltersDto | null;
}

export class BoardPatchDto implements BoardPatch {
  @ApiPropertyOptional({ maxLength: boardNameMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(boardNameMaxLength)
  @Matches(/\S/, nameRule)
  name?: string;

  @ApiPropertyOptional({ enum: boardVisibilities })
  @IsOptional()
  @IsIn(boardVisibilities)
  visibility?: BoardVisibility;

  @ApiPropertyOptional({ type: SearchFiltersDto, nullable: true, description: 'null: a manual board again' })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @ValidateNested()
  @Type(() => SearchFiltersDto)
  query?: SearchFiltersDto | null;

  @ApiPropertyOptional({ nullable: true, description: 'null: the newest image' })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(1)
  @Max(maxRowId)
  cover_image_id?: number | null;
}
