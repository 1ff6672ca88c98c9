import {
  galleryAspects,
  galleryCompareMaxIds,
  galleryCompareMinIds,
  galleryMaxTags,
  galleryNoteMaxLength,
  galleryPageMaxLimit,
  galleryQueryMaxLength,
  gallerySorts,
  galleryStatusFilters,
  galleryValueKinds,
  type GalleryAspect,
  type GallerySort,
  type GalleryStatusFilter,
  type GalleryValueKind,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { booleanWords, type BooleanWord } from '../../common/boolean-words.js';
import { QueryInt } from '../../common/query-int.js';
import { maxRowId } from '../../common/row-id.js';

const nameLength = 200;

/** The filters of a search, as query parameters (each can also be written inside `q`). */
export class SearchFiltersDto {
  @ApiPropertyOptional({ description: 'Words, prefixes (light*), "phrases", -excluded, key:value filters' })
  @IsOptional()
  @IsString()
  @MaxLength(galleryQueryMaxLength)
  q?: string;

  @ApiPropertyOptional({ description: 'Checkpoint: the exact name, else every name containing it' })
  @IsOptional()
  @IsString()
  @MaxLength(nameLength)
  checkpoint?: string;

  @ApiPropertyOptional({ description: 'LoRA: the exact name, else every name containing it' })
  @IsOptional()
  @IsString()
  @MaxLength(nameLength)
  lora?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(nameLength)
  sampler?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  seed?: number;

  @ApiPropertyOptional({ description: 'Username' })
  @IsOptional()
  @IsString()
  @MaxLength(nameLength)
  owner?: string;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD or ISO 8601 (UTC unless it says)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD (that whole day) or ISO 8601' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 5 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(5)
  min_rating?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(nameLength)
  tag?: string;

  @ApiPropertyOptional({ description: 'A board id (boards arrive with curation: 400 for now)' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  board?: number;

  @ApiPropertyOptional({
    enum: galleryStatusFilters,
    description: 'A review state, or trashed: the trash (your own images; curators see all)',
  })
  @IsOptional()
  @IsIn(galleryStatusFilters)
  status?: GalleryStatusFilter;

  @ApiPropertyOptional({ example: '1024x1024' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/, { message: 'size must be WIDTHxHEIGHT, e.g. 1024x1024' })
  size?: string;

  @ApiPropertyOptional({ enum: galleryAspects })
  @IsOptional()
  @IsIn(galleryAspects)
  aspect?: GalleryAspect;

  @ApiPropertyOptional({ enum: booleanWords })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => booleanParam(value))
  @IsBoolean({ message: `has_workflow must be one of ${booleanWords.join(', ')}` })
  has_workflow?: boolean;
}

/** Keyset paging: the `next_cursor` of the previous page and a page size (1–100, default 50). */
export class PageQueryDto {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: galleryPageMaxLimit, default: 50 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(galleryPageMaxLimit)
  limit?: number;
}

/** GET /api/gallery/images. */
export class SearchQueryDto extends IntersectionType(SearchFiltersDto, PageQueryDto) {
  @ApiPropertyOptional({ enum: gallerySorts, default: 'newest' })
  @IsOptional()
  @IsIn(gallerySorts)
  sort?: GallerySort;

  @ApiPropertyOptional({ description: 'sort=random: the same seed gives the same order' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  seed_order?: number;

  @ApiPropertyOptional({ enum: booleanWords, default: '1', description: 'Collapse auto-stacks' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => booleanParam(value))
  @IsBoolean({ message: `stacks must be one of ${booleanWords.join(', ')}` })
  stacks?: boolean;

  @ApiPropertyOptional({ description: 'List one stack (its stack.key)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'stack must be a stack key' })
  stack?: string;
}

export class CompareQueryDto {
  @ApiProperty({ description: `${galleryCompareMinIds}–${galleryCompareMaxIds} image ids, comma-separated` })
  @Transform(({ value }: { value: unknown }) => idList(value))
  @IsArray({ message: 'ids must be image ids separated by commas' })
  @ArrayMinSize(galleryCompareMinIds, { message: `ids must name at least ${galleryCompareMinIds} images` })
  @ArrayMaxSize(galleryCompareMaxIds, { message: `ids must name at most ${galleryCompareMaxIds} images` })
  @ArrayUnique({ message: 'ids must name each image once' })
  @IsInt({ each: true, message: 'ids must be image ids separated by commas' })
  @Min(1, { each: true, message: 'ids must be image ids separated by commas' })
  @Max(maxRowId, { each: true, message: 'ids must be image ids separated by commas' })
  ids!: number[];
}

export class SimilarQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 24 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

export class ValuesQueryDto {
  @ApiProperty({ enum: galleryValueKinds })
  @IsIn(galleryValueKinds)
  kind!: GalleryValueKind;

  @ApiPropertyOptional({ description: 'What was typed so far' })
  @IsOptional()
  @IsString()
  @MaxLength(nameLength)
  prefix?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 10 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

/** PATCH /api/gallery/images/:id. */
export class PatchImageDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 5 })
  @ValidateIf(isPresent)
  @IsInt()
  @Min(0)
  @Max(5)
  rating?: number;

  @ApiPropertyOptional()
  @ValidateIf(isPresent)
  @IsBoolean()
  favorite?: boolean;

  @ApiPropertyOptional({ type: [String], maxItems: galleryMaxTags })
  @ValidateIf(isPresent)
  @IsArray()
  @ArrayMaxSize(galleryMaxTags)
  // Length and characters are checked per tag by normaliseTags, whose details name the index (tags.N).
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ maxLength: galleryNoteMaxLength })
  @ValidateIf(isPresent)
  @IsString()
  @MaxLength(galleryNoteMaxLength)
  note?: string;
}

/** A PATCH field may be left out, but `null` is refused rather than treated as absent. */
function isPresent(_object: object, value: unknown): boolean {
  return value !== undefined;
}

/** A query flag: "1"/"true" or "0"/"false"; anything else stays as given for the validator to refuse. */
function booleanParam(value: unknown): unknown {
  if (!booleanWords.includes(value as BooleanWord)) return value;
  return value === '1' || value === 'true';
}

/** "1,2,3" → [1, 2, 3]; anything that is not a list of ids stays as given for the validator to refuse. */
function idList(value: unknown): unknown {
  if (typeof value !== 'string' || value.length > 1000) return value;
  const parts = value.split(',');
  return parts.every((part) => /^[0-9]{1,15}$/.test(part.trim()))
    ? parts.map((part) => Number(part.trim()))
    : value;
}
