import type { ComfyExportFormat } from '@atelier/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

const formats: readonly ComfyExportFormat[] = ['api', 'ui'];

/** `?format=api|ui` of the workflow downloads (default `api`). */
export class WorkflowExportQueryDto {
  @ApiPropertyOptional({ enum: formats, description: 'api: the prompt that ran; ui: a workflow for ComfyUI' })
  @IsOptional()
  @IsIn(formats)
  format?: ComfyExportFormat;
}
