import {
  jobStatuses,
  txt2imgBounds,
  txt2imgMaskChannels,
  type Txt2ImgMaskChannel,
  type JobStatus,
  type Txt2ImgParams,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDivisibleBy,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const b = txt2imgBounds;

/**
 * POST /api/comfy/queue. Only `workflow` is used: ComfyUI's own top-level fields (`number`, `front`,
 * `prompt_id`, `client_id` → ComfyUI, `extra_data`) are accepted for compatibility with clients written
 * for ComfyUI's /prompt, and ignored — Atelier sets the id, the priority and the client id itself.
 */
export class QueueDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'API-format prompt (or a UI workflow)',
  })
  @IsObject()
  workflow!: Record<string, unknown>;

  @ApiPropertyOptional({ description: "The browser's own id: only recorded and echoed" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  client_id?: string;

  @Allow()
  number?: unknown;

  @Allow()
  front?: unknown;

  @Allow()
  prompt_id?: unknown;

  @Allow()
  extra_data?: unknown;
}

/** POST /api/comfy/txt2img: bounds from the shared contract, so the web form and the API agree. */
export class Txt2ImgDto implements Txt2ImgParams {
  @ApiProperty({ minLength: b.caption.minLength, maxLength: b.caption.maxLength })
  @IsString()
  @MinLength(b.caption.minLength)
  @MaxLength(b.caption.maxLength)
  @Matches(/\S/, { message: 'caption must not be blank' })
  caption!: string;

  @ApiPropertyOptional({ maxLength: b.negative.maxLength })
  @IsOptional()
  @IsString()
  @MaxLength(b.negative.maxLength)
  negative?: string;

  @ApiPropertyOptional({ minimum: b.width.min, maximum: b.width.max, multipleOf: b.width.multipleOf })
  @IsOptional()
  @IsInt()
  @Min(b.width.min)
  @Max(b.width.max)
  @IsDivisibleBy(b.width.multipleOf, { message: `width must be a multiple of ${b.width.multipleOf}` })
  width?: number;

  @ApiPropertyOptional({ minimum: b.height.min, maximum: b.height.max, multipleOf: b.height.multipleOf })
  @IsOptional()
  @IsInt()
  @Min(b.height.min)
  @Max(b.height.max)
  @IsDivisibleBy(b.height.multipleOf, { message: `height must be a multiple of ${b.height.multipleOf}` })
  height?: number;

  @ApiPropertyOptional({ minimum: b.steps.min, maximum: b.steps.max })
  @IsOptional()
  @IsInt()
  @Min(b.steps.min)
  @Max(b.steps.max)
  steps?: number;

  @ApiPropertyOptional({ minimum: b.cfg.min, maximum: b.cfg.max })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(b.cfg.min)
  @Max(b.cfg.max)
  cfg?: number;

  @ApiPropertyOptional({ minimum: b.seed.min, maximum: b.seed.max, description: 'Random when absent' })
  @IsOptional()
  @IsInt()
  @Min(b.seed.min)
  @Max(b.seed.max)
  seed?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sampler?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  scheduler?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  checkpoint?: string;

  @ApiPropertyOptional({ type: [String], maxItems: b.loras.maxItems })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(b.loras.maxItems)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  loras?: string[];

  @ApiPropertyOptional({ type: [Number], description: 'One weight per LoRA' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(b.loras.maxItems)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @Min(b.lora_weights.min, { each: true })
  @Max(b.lora_weights.max, { each: true })
  lora_weights?: number[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  pag?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  deepshrink?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  detail_daemon?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  split_sigmas?: boolean;

  @ApiPropertyOptional({ minimum: b.batch_size.min, maximum: b.batch_size.max })
  @IsOptional()
  @IsInt()
  @Min(b.batch_size.min)
  @Max(b.batch_size.max)
  batch_size?: number;

  @ApiPropertyOptional({ description: 'A preset in config/comfy/presets (file name without .json)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, { message: 'preset must be a preset name' })
  preset?: string;

  @ApiPropertyOptional({
    maxLength: b.image.maxLength,
    description: 'img2img: an uploaded input image (`image` of POST /api/comfy/upload)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(b.image.maxLength)
  image?: string;

  @ApiPropertyOptional({
    maxLength: b.image.maxLength,
    description: 'Inpainting: an uploaded mask (white = repaint); the image itself = its alpha',
  })
  @IsOptional()
  @IsString()
  @MaxLength(b.image.maxLength)
  mask?: string;

  @ApiPropertyOptional({ enum: txt2imgMaskChannels })
  @IsOptional()
  @IsIn(txt2imgMaskChannels)
  mask_channel?: Txt2ImgMaskChannel;

  @ApiPropertyOptional({ minimum: b.denoise.min, maximum: b.denoise.max })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(b.denoise.min)
  @Max(b.denoise.max)
  denoise?: number;
}

const booleanWords = ['1', '0', 'true', 'false'] as const;
export const isTrueWord = (value: string | undefined): boolean => value === '1' || value === 'true';

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
  @Type(() => Number)
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
