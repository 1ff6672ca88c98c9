import { apiKeyNameMaxLength, apiScopes, type ApiScope, type CreateApiKeyRequest } from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';

export class CreateApiKeyDto implements CreateApiKeyRequest {
  @ApiProperty({ example: 'render farm script', maxLength: apiKeyNameMaxLength })
  @IsString()
  @Length(1, apiKeyNameMaxLength)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @ApiProperty({ enum: apiScopes, isArray: true, example: ['jobs:read', 'jobs:write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(apiScopes.length)
  @IsIn(apiScopes, { each: true })
  scopes!: ApiScope[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'None: never expires',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string | null;
}
