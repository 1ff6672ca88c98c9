import {
  backendBounds,
  backendNamePattern,
  backendTagPattern,
  type BackendInput,
  type BackendPatch,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNumber,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { stackedDecorators } from '../common/stacked-decorators.js';

/** Optional, but `null` is rejected rather than silently treated as absent. */
const isPresent = (_object: object, value: unknown) => value !== undefined;

const nameMessage =
  'name must be 1–64 letters, digits, spaces, "_", "." or "-", starting with a letter or digit';
const tagMessage = 'each tag must be 1–32 lower-case letters, digits, "_", ".", ":" or "-"';
// The URL's scheme and shape are checked once more in the service (normalizeHttpUrl), the setting's own rule.
const urlMessage = 'url must be an http:// or https:// URL without query or fragment';
const httpUrl = /^https?:\/\/[^\s?#]+$/i;

// Each field's rules, shared by create and patch (their docs differ and stay on each class).
const NameRules = () =>
  stackedDecorators(IsString(), Matches(new RegExp(backendNamePattern), { message: nameMessage }));
const UrlRules = () =>
  stackedDecorators(
    IsString(),
    MaxLength(backendBounds.urlMaxLength),
    Matches(httpUrl, { message: urlMessage }),
  );
const WeightRules = () =>
  stackedDecorators(
    ValidateIf(isPresent),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    Min(backendBounds.weightMin),
    Max(backendBounds.weightMax),
  );
const TagsRules = () =>
  stackedDecorators(
    ValidateIf(isPresent),
    IsArray(),
    ArrayMaxSize(backendBounds.maxTags),
    IsString({ each: true }),
    Matches(new RegExp(backendTagPattern), { each: true, message: tagMessage }),
  );
const FlagRules = () => stackedDecorators(ValidateIf(isPresent), IsBoolean());

export class CreateBackendDto implements BackendInput {
  @ApiProperty({ pattern: backendNamePattern, example: 'gpu-2' })
  @NameRules()
  name!: string;

  @ApiProperty({ example: 'http://10.0.0.12:8188', maxLength: backendBounds.urlMaxLength })
  @UrlRules()
  url!: string;

  @ApiPropertyOptional({ minimum: backendBounds.weightMin, maximum: backendBounds.weightMax, default: 1 })
  @WeightRules()
  weight?: number;

  @ApiPropertyOptional({ type: [String], maxItems: backendBounds.maxTags })
  @TagsRules()
  tags?: string[];

  @ApiPropertyOptional({ default: true })
  @FlagRules()
  enabled?: boolean;

  @ApiPropertyOptional({ default: false })
  @FlagRules()
  draining?: boolean;
}

export class UpdateBackendDto implements BackendPatch {
  @ApiPropertyOptional({ pattern: backendNamePattern })
  @ValidateIf(isPresent)
  @NameRules()
  name?: string;

  @ApiPropertyOptional({
    nullable: true,
    description: 'null (default backend only): follow the comfy_api_url setting again',
  })
  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @UrlRules()
  url?: string | null;

  @ApiPropertyOptional({ minimum: backendBounds.weightMin, maximum: backendBounds.weightMax })
  @WeightRules()
  weight?: number;

  @ApiPropertyOptional({ type: [String], maxItems: backendBounds.maxTags })
  @TagsRules()
  tags?: string[];

  @ApiPropertyOptional()
  @FlagRules()
  enabled?: boolean;

  @ApiPropertyOptional()
  @FlagRules()
  draining?: boolean;
}
