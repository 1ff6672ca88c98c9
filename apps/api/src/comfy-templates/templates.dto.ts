import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Allow, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

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

  @ApiPropertyOptional({
    description: 'An older version to run (GET /workflows/:name lists them); else the current one',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  version?: string;
}

/** What every saved version carries: the prompt and its contract, which must fit it (checkParamContract). */
export class WorkflowPromptDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'An API-format prompt' })
  @IsObject()
  prompt!: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Its parameter contract: JSON Schema, `additionalProperties: false`, `x-patch` per knob',
  })
  @IsObject()
  params!: Record<string, unknown>;
}

/** POST /api/comfy/workflows/:name/versions. */
export class WorkflowVersionDto extends WorkflowPromptDto {
  @ApiPropertyOptional({ description: "Left out: the previous version's" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ description: "Left out: the previous version's" })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

/** A new template's own fields (the name is checked against the template name pattern). */
class NewTemplateFieldsDto {
  @ApiProperty({ description: 'Letters, digits, _ . - (at most 128)', example: 'my_workflow' })
  @IsString()
  @MaxLength(128)
  name!: string;

  @ApiProperty({ description: 'Shown in the library' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

/**
 * POST /api/comfy/workflows: a new template. An intersection rather than `extends WorkflowPromptDto`
 * so the OpenAPI schema keeps its order: name, title, description, then prompt and params.
 */
export class SaveWorkflowDto extends IntersectionType(NewTemplateFieldsDto, WorkflowPromptDto) {}

/** GET /api/comfy/workflows/:name?version=: an older version (one of the detail's `versions`). */
export class WorkflowDetailQueryDto {
  @ApiPropertyOptional({ description: 'A version from `versions`; left out: the current one' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  version?: string;
}
