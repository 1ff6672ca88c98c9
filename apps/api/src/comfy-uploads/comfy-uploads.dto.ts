import { comfyUploadKinds, comfyUploadSubfolderPattern, type ComfyUploadKind } from '@atelier/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { booleanWords } from '../common/boolean-words.js';

/** The multipart fields of POST /api/comfy/upload besides the file part `image`. */
export class UploadFieldsDto {
  @ApiPropertyOptional({
    pattern: comfyUploadSubfolderPattern,
    default: 'atelier',
    description: 'Under ComfyUI’s input folder; "" for the folder itself',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(new RegExp(`^$|${comfyUploadSubfolderPattern}`), {
    message:
      'subfolder must be at most 3 segments of letters, digits, "_" or "-" separated by "/" ' +
      '(relative: no "..", no leading "/", no backslash)',
  })
  subfolder?: string;

  @ApiPropertyOptional({ enum: comfyUploadKinds, default: 'image' })
  @IsOptional()
  @IsIn(comfyUploadKinds)
  kind?: ComfyUploadKind;

  @ApiPropertyOptional({ enum: booleanWords, default: 'false' })
  @IsOptional()
  @IsIn(booleanWords)
  ephemeral?: (typeof booleanWords)[number];
}
