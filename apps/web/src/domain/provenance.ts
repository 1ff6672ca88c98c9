import type { GalleryImageDetail } from '@atelier/contract';
import { formatDateTime } from './format';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nodesOf = (workflow: Record<string, unknown>, classType: string) =>
  Object.values(workflow).filter(
    (node): node is { class_type: string; inputs: Record<string, unknown> } =>
      isRecord(node) && node.class_type === classType && isRecord(node.inputs),
  );

/**
 * What the queued API prompt itself says (sampler, steps, checkpoint, LoRAs…): the request may have
 * left them to the server's defaults, and the graph records what was actually used.
 */
export function workflowParams(workflow: Record<string, unknown> | null): Record<string, unknown> {
  if (!workflow) return {};
  const facts: Record<string, unknown> = {};
  const sampler = nodesOf(workflow, 'KSampler')[0]?.inputs;
  if (sampler) {
    Object.assign(facts, { steps: sampler.steps, cfg: sampler.cfg, seed: sampler.seed });
    Object.assign(facts, { sampler: sampler.sampler_name, scheduler: sampler.scheduler });
  }
  const checkpoint = nodesOf(workflow, 'CheckpointLoaderSimple')[0]?.inputs.ckpt_name;
  if (typeof checkpoint === 'string') facts.checkpoint = checkpoint;
  const loras = nodesOf(workflow, 'LoraLoader').map((node) => node.inputs);
  if (loras.length > 0) {
    facts.loras = loras.map((inputs) => inputs.lora_name);
    facts.lora_weights = loras.map((inputs) => inputs.strength_model);
  }
  for (const key of Object.keys(facts)) if (facts[key] === undefined) delete facts[key];
  return facts;
}

/**
 * The generation parameters behind an image: the job ledger's copy, else what the uploader put in the
 * metadata (`metadata.params`, or the metadata itself when it carries a caption), completed by what the
 * workflow graph records.
 */
export function provenanceParams(detail: GalleryImageDetail): Record<string, unknown> | null {
  const { params, metadata, workflow } = detail.provenance;
  const stated = isRecord(params)
    ? params
    : isRecord(metadata.params)
      ? metadata.params
      : typeof metadata.caption === 'string'
        ? metadata
        : null;
  const recorded = workflowParams(workflow);
  if (!stated && Object.keys(recorded).length === 0) return null;
  return { ...recorded, ...stated };
}

export interface ProvenanceRow {
  label: string;
  value: string;
  /** Long free text (prompts) spans the panel's width. */
  isWide?: boolean;
  isMono?: boolean;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.trim()) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function loras(params: Record<string, unknown>): string | null {
  if (!Array.isArray(params.loras) || params.loras.length === 0) return null;
  const weights = Array.isArray(params.lora_weights) ? params.lora_weights : [];
  return params.loras
    .map((name, i) => `${String(name)} (${typeof weights[i] === 'number' ? weights[i] : 1})`)
    .join(', ');
}

const row = (label: string, value: string | null, options: Omit<ProvenanceRow, 'label' | 'value'> = {}) =>
  value === null ? null : { label, value, ...options };

/** What the provenance panel lists, in reading order; unknown values are left out, not shown blank. */
export function provenanceRows(detail: GalleryImageDetail): ProvenanceRow[] {
  const p = provenanceParams(detail) ?? {};
  const sampler = [text(p.sampler), text(p.scheduler)].filter(Boolean).join(' · ');
  const rows = [
    row('Prompt', text(p.caption), { isWide: true }),
    row('Negative prompt', text(p.negative), { isWide: true }),
    row('Seed', text(p.seed), { isMono: true }),
    row('Size', `${detail.width} × ${detail.height}`),
    row('Steps', text(p.steps)),
    row('CFG', text(p.cfg)),
    row('Sampler', sampler || null),
    row('Checkpoint', text(p.checkpoint), { isWide: true }),
    row('LoRAs', loras(p), { isWide: true }),
    row('Created by', detail.created_by.username),
    row('Created', formatDateTime(detail.created_at)),
    row('Prompt ID', detail.prompt_id, { isWide: true, isMono: true }),
  ];
  return rows.filter((r): r is ProvenanceRow => r !== null);
}
