import {
  maxWorkflowNodes,
  type ComfyConversionWarning,
  type ComfyImportResponse,
  type ComfyImportSource,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import {
  embeddedFormatOf,
  embeddedWorkflowOf,
  isApiPrompt,
  isUiWorkflow,
  type ApiPrompt,
} from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import { isNestedDeeper, maxJsonDepth } from '../common/json-depth.js';
import { ObjectInfoCache } from '../comfy/object-info.cache.js';
import { ConvertService } from './convert.service.js';
import { importPreview } from './import-preview.js';

export interface ImportedFile {
  buffer: Buffer;
}

interface Found {
  source: ComfyImportSource;
  workflow?: unknown;
  prompt?: unknown;
}

function noWorkflow(message: string): AppError {
  return new AppError('validation_failed', 'The file holds no ComfyUI workflow', { file: [message] });
}

/** A JSON document (UTF-8, a BOM allowed), or undefined when the bytes are not JSON. */
function parseJson(buffer: Buffer): unknown {
  const text = buffer.toString('utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** What the file carries: a JSON workflow or prompt, or the ones ComfyUI embedded in a PNG or WebP. */
function readFile(buffer: Buffer): Found {
  const format = embeddedFormatOf(buffer);
  const found: Found = format ? { source: format, ...embeddedWorkflowOf(buffer) } : fromJson(buffer);
  // Converters and the answer's serialisation walk it recursively.
  if (isNestedDeeper(found.workflow, maxJsonDepth) || isNestedDeeper(found.prompt, maxJsonDepth)) {
    throw noWorkflow(`holds JSON nested deeper than ${maxJsonDepth} levels`);
  }
  return found;
}

function fromJson(buffer: Buffer): Found {
  const json = parseJson(buffer);
  if (json === undefined) {
    throw noWorkflow('must be a workflow .json, or a PNG or WebP image saved by ComfyUI');
  }
  return isUiWorkflow(json) ? { source: 'json', workflow: json } : { source: 'json', prompt: json };
}

/**
 * POST /workflows/import: a .json (UI workflow or API prompt), or a PNG/WebP ComfyUI saved, → the prompt it runs
 * as and a node/widget preview typed from object_info. Conversion is ConvertService's (the same 422 as /convert).
 * An image with both prefers its UI workflow; when that cannot be converted the image's own prompt (what
 * actually ran) is used, with a warning.
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly converter: ConvertService,
    private readonly objectInfo: ObjectInfoCache,
  ) {}

  async import(file: ImportedFile | undefined): Promise<ComfyImportResponse> {
    if (!file || file.buffer.length === 0) {
      throw new AppError('validation_failed', 'No file was sent', {
        file: ['is required (multipart part "file")'],
      });
    }
    const found = readFile(file.buffer);
    const hasWorkflow = isUiWorkflow(found.workflow);
    const hasPrompt = isApiPrompt(found.prompt);
    if (!hasWorkflow && !hasPrompt) {
      throw noWorkflow(
        found.source === 'json'
          ? 'is JSON but neither a UI workflow ({"nodes": [...]}) nor an API prompt'
          : `is a ${found.source.toUpperCase()} without a ComfyUI workflow in its metadata`,
      );
    }
    if (hasWorkflow) {
      const workflow = found.workflow as Record<string, unknown>;
      try {
        const converted = await this.converter.convert(workflow);
        return this.answer(found.source, 'ui', workflow, converted.prompt as ApiPrompt, converted.warnings);
      } catch (error) {
        if (!hasPrompt || !(error instanceof AppError) || error.code !== 'comfy.conversion_failed')
          throw error;
        const warning: ComfyConversionWarning = {
          node_id: null,
          node_type: null,
          message: `the embedded UI workflow could not be converted (${error.message}); the image's API prompt is used`,
        };
        return this.answer(found.source, 'api', null, found.prompt as ApiPrompt, [warning]);
      }
    }
    return this.answer(found.source, 'api', null, found.prompt as ApiPrompt, []);
  }

  private async answer(
    source: ComfyImportSource,
    format: 'ui' | 'api',
    workflow: Record<string, unknown> | null,
    prompt: ApiPrompt,
    warnings: ComfyConversionWarning[],
  ): Promise<ComfyImportResponse> {
    const count = Object.keys(prompt).length;
    if (count > maxWorkflowNodes) {
      throw new AppError('validation_failed', `The workflow has more than ${maxWorkflowNodes} nodes`, {
        file: [`must have at most ${maxWorkflowNodes} nodes (got ${count})`],
      });
    }
    const info = await this.objectInfo.objectInfo();
    return { source, format, workflow, prompt, warnings, nodes: importPreview(prompt, info) };
  }
}
