import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';

/** POST /api/comfy/workflows/convert. */
export class ConvertWorkflowDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'A UI workflow as the ComfyUI frontend saves it (an API prompt passes through)',
  })
  @IsObject()
  workflow!: Record<string, unknown>;
}

/** POST /api/comfy/workflows/:name/run; the values are checked against the template's contract (ajv). */
export class RunWorkflowDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Knob values (see the template’s params schema); left out = the template’s value',
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;
}
