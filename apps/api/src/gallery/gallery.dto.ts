import {
  ingestPromptIdPattern,
  type ComfyImageRef,
  type ComfyImageType,
  type IngestFromJobRequest,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { booleanWords, type BooleanWord } from '../common/boolean-words.js';
import { isNestedDeeper, maxJsonDepth } from '../common/json-depth.js';

const promptIdRule = {
  message: '$property must be 1–128 letters, digits, "-" or "_", starting with a letter or digit',
};

/** A multipart field that did not parse as JSON; kept so the validator can say why. */
class InvalidJson {
  constructor(readonly reason: string) {}
}

/** Multipart fields are text: JSON ones are parsed here and checked by IsJsonObject below. */
function parseJsonField({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return new InvalidJson(error instanceof Error ? error.message : 'invalid JSON');
  }
  return isNestedDeeper(parsed, maxJsonDepth)
    ? new InvalidJson(`nested deeper than ${maxJsonDepth} levels`)
    : parsed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof InvalidJson)
  );
}

function IsJsonObject(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJsonObject',
      validator: {
        validate: (value: unknown) => isPlainObject(value),
        defaultMessage: (args?: ValidationArguments) =>
          args?.value instanceof InvalidJson
            ? `${args.property} is not valid JSON (${args.value.reason})`
            : `${args?.property ?? 'value'} must be a JSON object`,
      },
    },
    options,
  );
}

export class FileQueryDto {
  @ApiPropertyOptional({
    enum: booleanWords,
    description: '1: Content-Disposition attachment',
  })
  @IsOptional()
  @IsIn(booleanWords)
  download?: BooleanWord;
}

/** The text parts of POST /api/comfy/ingest (the image is the `file` part). */
export class IngestDto {
  @ApiPropertyOptional({ pattern: ingestPromptIdPattern })
  @IsOptional()
  @IsString()
  @Matches(new RegExp(ingestPromptIdPattern), promptIdRule)
  prompt_id?: string;

  @ApiPropertyOptional({ type: 'string', description: 'JSON object: the workflow that made the image' })
  @IsOptional()
  @Transform(parseJsonField)
  @IsJsonObject()
  workflow?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'string', description: 'JSON object: anything worth keeping with it' })
  @IsOptional()
  @Transform(parseJsonField)
  @IsJsonObject()
  metadata?: Record<string, unknown>;
}

const imageTypes: readonly ComfyImageType[] = ['output', 'input', 'temp'];

export class ComfyImageRefDto implements ComfyImageRef {
  @ApiProperty()
  @IsString()
  @Length(1, 255)
  filename!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(255)
  subfolder!: string;

  @ApiProperty({ enum: imageTypes })
  @IsIn(imageTypes)
  type!: ComfyImageType;

  @ApiPropertyOptional({
    description: 'The ComfyUI backend that holds it (as the job names it); absent: the default',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  backend?: number;
}

export class IngestFromJobDto implements IngestFromJobRequest {
  @ApiProperty({ pattern: ingestPromptIdPattern })
  @IsString()
  @Matches(new RegExp(ingestPromptIdPattern), promptIdRule)
  prompt_id!: string;

  @ApiPropertyOptional({
    type: [ComfyImageRefDto],
    description: 'A subset of the job’s images; all when absent',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => ComfyImageRefDto)
  images?: ComfyImageRefDto[];
}
