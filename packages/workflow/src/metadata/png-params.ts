/**
 * The parameters of an image that arrived without a job, from its PNG text chunks: ComfyUI's `prompt` (the API
 * prompt, walked) and `workflow` (the UI graph, converted when object_info is at hand), else an A1111-style
 * `parameters` text.
 */
import { isApiPrompt, type ApiPrompt } from '../api-prompt.js';
import { convertUiWorkflow } from '../convert/convert-ui-workflow.js';
import { hasOwn, isRecord } from '../json.js';
import type { ObjectInfo } from '../object-info.js';
import { paramsFromA1111 } from './a1111-parameters.js';
import type { GraphParams } from './graph-params.js';
import { paramsFromApiPrompt } from './params-from-api-prompt.js';
import { parsePythonJson } from './python-json.js';

export interface PngParams {
  /** Null when no chunk states parameters. */
  params: GraphParams | null;
  /** The embedded API prompt, as found. */
  prompt: ApiPrompt | null;
  /** The embedded UI workflow, as found. */
  workflow: Record<string, unknown> | null;
}

export interface PngParamsOptions {
  /**
   * The server's GET /object_info: with it, a PNG carrying only a `workflow` is converted to a prompt and walked
   * (widget values are positional; their names come from object_info). Without it, such a PNG has no params.
   */
  objectInfo?: ObjectInfo;
}

function parseJson(chunks: Record<string, string>, key: string): unknown {
  const text = hasOwn(chunks, key) ? chunks[key] : undefined;
  return typeof text === 'string' ? parsePythonJson(text) : undefined;
}

/** A walk that found no sampler states nothing: the next source may. */
function stated(params: GraphParams): GraphParams | null {
  const { loras, ...values } = params;
  return loras.length || Object.values(values).some((value) => value !== null) ? params : null;
}

function fromWorkflow(workflow: Record<string, unknown>, objectInfo: ObjectInfo): GraphParams | null {
  try {
    // Fixed random and clock: the same file always gives the same answer ({a|b} picks the first option).
    const { prompt } = convertUiWorkflow(workflow, objectInfo, { random: () => 0, now: () => new Date(0) });
    return stated(paramsFromApiPrompt(prompt));
  } catch {
    return null;
  }
}

export function paramsFromPngChunks(
  chunks: Record<string, string>,
  options: PngParamsOptions = {},
): PngParams {
  if (!isRecord(chunks)) return { params: null, prompt: null, workflow: null };
  const parsedPrompt = parseJson(chunks, 'prompt');
  const parsedWorkflow = parseJson(chunks, 'workflow');
  const prompt = isApiPrompt(parsedPrompt) ? parsedPrompt : null;
  const workflow = isRecord(parsedWorkflow) ? parsedWorkflow : null;
  let params = prompt ? stated(paramsFromApiPrompt(prompt)) : null;
  if (!params && workflow && options.objectInfo) params = fromWorkflow(workflow, options.objectInfo);
  if (!params && hasOwn(chunks, 'parameters')) params = paramsFromA1111(String(chunks.parameters));
  return { params, prompt, workflow };
}
