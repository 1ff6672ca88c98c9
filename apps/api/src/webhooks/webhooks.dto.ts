import {
  webhookEventNames,
  type CreateWebhookRequest,
  type UpdateWebhookRequest,
  type WebhookEventName,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { booleanWords, type BooleanWord } from '../common/boolean-words.js';

/** Longer than any real receiver's URL; the address policy judges the rest. */
export const webhookUrlMaxLength = 2048;

export class CreateWebhookDto implements CreateWebhookRequest {
  @ApiProperty({ example: 'https://hooks.example.com/atelier', maxLength: webhookUrlMaxLength })
  @IsString()
  @Length(1, webhookUrlMaxLength)
  url!: string;

  @ApiProperty({ enum: webhookEventNames, isArray: true, example: ['job.succeeded', 'image.approved'] })
  @IsArray()
  @ArrayMaxSize(webhookEventNames.length)
  @ArrayUnique()
  @IsIn(webhookEventNames, { each: true })
  events!: WebhookEventName[];

  @ApiPropertyOptional({ default: false, description: 'Admins only: events about every user’s resources' })
  @IsOptional()
  @IsBoolean()
  all_users?: boolean;
}

export class UpdateWebhookDto implements UpdateWebhookRequest {
  @ApiPropertyOptional({ maxLength: webhookUrlMaxLength })
  @IsOptional()
  @IsString()
  @Length(1, webhookUrlMaxLength)
  url?: string;

  @ApiPropertyOptional({ enum: webhookEventNames, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(webhookEventNames.length)
  @ArrayUnique()
  @IsIn(webhookEventNames, { each: true })
  events?: WebhookEventName[];

  @ApiPropertyOptional({ description: 'Admins only' })
  @IsOptional()
  @IsBoolean()
  all_users?: boolean;

  @ApiPropertyOptional({ description: 'true also clears a disable notice and the failing streak' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'A new secret, answered this once; the old one stops signing at once' })
  @IsOptional()
  @IsBoolean()
  rotate_secret?: boolean;
}

/** GET /api/me/webhooks: `all=1` lists every user's endpoints (admins only). */
export class ListWebhooksQueryDto {
  @ApiPropertyOptional({ enum: booleanWords, default: '0' })
  @IsOptional()
  @IsIn(booleanWords)
  all?: BooleanWord;
}
