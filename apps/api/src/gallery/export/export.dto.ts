import { exportMaxImages } from '@atelier/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { booleanWords } from '../../common/boolean-words.js';
import { maxRowId } from '../../common/row-id.js';
import { SearchFiltersDto } from '../search/search.dto.js';

/** GET /api/gallery/export.zip: `ids`, or the search filters (everything visible when neither). */
export class ExportQueryDto extends SearchFiltersDto {
  @ApiPropertyOptional({
    description: `Image ids, comma-separated (at most ${exportMaxImages}; a search selects more than a URL holds)`,
    example: '12,7,3',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => idList(value))
  @IsArray({ message: 'ids must be image ids separated by commas' })
  @ArrayMinSize(1, { message: 'ids must name at least one image' })
  @IsInt({ each: true, message: 'ids must be image ids separated by commas' })
  @Min(1, { each: true, message: 'ids must be image ids separated by commas' })
  @Max(maxRowId, { each: true, message: 'ids must be image ids separated by commas' })
  ids?: number[];

  @ApiPropertyOptional({ enum: booleanWords, default: '0', description: 'Add each image’s JSON sidecar' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => flag(value))
  @IsBoolean({ message: `sidecars must be one of ${booleanWords.join(', ')}` })
  sidecars?: boolean;

  @ApiPropertyOptional({
    enum: booleanWords,
    default: '0',
    description: 'Strip prompts and workflows from the copies, the sidecars and the manifest',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => flag(value))
  @IsBoolean({ message: `redact must be one of ${booleanWords.join(', ')}` })
  redact?: boolean;
}

function flag(value: unknown): unknown {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return value;
}

/** "1,2,3" → [1, 2, 3]; anything else stays as given for the validator to refuse. */
function idList(value: unknown): unknown {
  if (typeof value !== 'string' || value.length > exportMaxImages * 17) return value;
  const parts = value.split(',');
  return parts.every((part) => /^[0-9]{1,15}$/.test(part.trim()))
    ? parts.map((part) => Number(part.trim()))
    : value;
}
