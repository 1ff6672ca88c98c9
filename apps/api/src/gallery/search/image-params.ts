import type { ImageLora, ImageParams } from '@atelier/contract';
import {
  emptyGraphParams,
  paramsFromApiPrompt,
  paramsFromPngChunks,
  readPngTextChunks,
  type GraphParams,
} from '@atelier/workflow';

/** Everything an image's parameters can be read from, best first. */
export interface ParamsSources {
  /** The job's typed parameters (the txt2img builder's request), as the ledger kept them. */
  params: Record<string, unknown> | null;
  /** The API prompt that ran (or, for an upload, whatever workflow came with it). */
  workflow: Record<string, unknown> | null;
  /** The image's bytes when it is a PNG without a job: its text chunks may say how it was made. */
  png: Uint8Array | null;
  template_id: string | null;
  template_version: string | null;
  backend: string | null;
  backend_version: string | null;
}

/**
 * The parameters of an image, from the exact sources first: the builder's typed parameters (with
 * what they leave to the graph, e.g. the preset's checkpoint, read from the graph that ran), else
 * a walk of the API prompt, else the PNG's embedded prompt or A1111 text.
 */
export function imageParamsOf(sources: ParamsSources): ImageParams {
  const context = {
    template_id: sources.template_id,
    template_version: sources.template_version,
    backend: sources.backend,
    backend_version: sources.backend_version,
  };
  const graph = sources.workflow ? paramsFromApiPrompt(sources.workflow) : emptyGraphParams();
  const typed = sources.params && typeof sources.params.caption === 'string' ? sources.params : null;
  if (typed) return { ...withTyped(graph, typed), ...context, source: 'params' };
  if (saysAnything(graph)) return { ...graph, ...context, source: 'graph' };
  const png = sources.png ? paramsFromPngChunks(readPngTextChunks(sources.png)).params : null;
  if (png && saysAnything(png)) return { ...png, ...context, source: 'png' };
  return { ...emptyGraphParams(), ...context, source: 'none' };
}

/** The txt2img request's own values over the graph's (they are what the user asked for, by name). */
function withTyped(graph: GraphParams, typed: Record<string, unknown>): GraphParams {
  const text = (key: string) => (typeof typed[key] === 'string' ? typed[key] : null);
  const num = (key: string) =>
    typeof typed[key] === 'number' && Number.isFinite(typed[key]) ? typed[key] : null;
  return {
    positive: text('caption') ?? graph.positive,
    negative: text('negative') ?? graph.negative,
    checkpoint: text('checkpoint') ?? graph.checkpoint,
    loras: typedLoras(typed) ?? graph.loras,
    sampler: text('sampler') ?? graph.sampler,
    scheduler: text('scheduler') ?? graph.scheduler,
    steps: num('steps') ?? graph.steps,
    cfg: num('cfg') ?? graph.cfg,
    seed: num('seed') ?? graph.seed,
    denoise: num('denoise') ?? graph.denoise,
    width: num('width') ?? graph.width,
    height: num('height') ?? graph.height,
  };
}

/** `loras` with `lora_weights` (default 1 each); null when the request named none. */
function typedLoras(typed: Record<string, unknown>): ImageLora[] | null {
  const names = typed.loras;
  if (!Array.isArray(names) || names.length === 0) return null;
  const weights = Array.isArray(typed.lora_weights) ? typed.lora_weights : [];
  return names
    .filter((name): name is string => typeof name === 'string')
    .map((name, index) => {
      const weight: unknown = weights[index];
      return { name, weight: typeof weight === 'number' && Number.isFinite(weight) ? weight : 1 };
    });
}

/** Whether a walk found anything at all (an unknown graph yields nulls throughout). */
function saysAnything(params: GraphParams): boolean {
  return (
    params.positive !== null || params.checkpoint !== null || params.sampler !== null || params.seed !== null
  );
}
