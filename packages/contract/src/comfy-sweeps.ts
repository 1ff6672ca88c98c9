/**
 * Parameter sweeps (POST /api/comfy/sweeps, GET /api/comfy/sweeps/:id): one base request plus up to three axes,
 * expanded to one job per cell of the X × Y × Z grid. Every cell is planned, checked and queued like a single job.
 */
import type { Txt2ImgParams } from './comfy-builder.js';
import type { ComfyImageRef, JobError, JobOwner, JobStatus } from './comfy.js';

/** A sweep expands to at most this many jobs (more: 400 `comfy.limit_exceeded`, `details.cap = 'sweep_jobs'`). */
export const maxSweepJobs = 256;
/** X, Y and Z. */
export const maxSweepAxes = 3;
/** Longest prompt search text and replacement. */
export const maxSweepTextLength = 1_000;

export const sweepParams = [
  'seed',
  'cfg',
  'steps',
  'sampler',
  'scheduler',
  'checkpoint',
  'lora_weight',
  'prompt',
] as const;
export type SweepParam = (typeof sweepParams)[number];

/** Seeds as a list. */
export interface SweepSeedListAxis {
  param: 'seed';
  values: number[];
}

/** `count` consecutive seeds from `from`. */
export interface SweepSeedRangeAxis {
  param: 'seed';
  from: number;
  count: number;
}

export interface SweepNumberAxis {
  param: 'cfg' | 'steps';
  values: number[];
}

/** Names the server offers (sampler_name, scheduler, ckpt_name). */
export interface SweepNameAxis {
  param: 'sampler' | 'scheduler' | 'checkpoint';
  values: string[];
}

/** The strength of one LoRA (txt2img only); added to the base's LoRAs when it is not among them. */
export interface SweepLoraWeightAxis {
  param: 'lora_weight';
  lora: string;
  values: number[];
}

/**
 * Prompt search/replace: each value replaces every occurrence of `search` in the positive prompt (txt2img
 * `caption`, a template's `prompt` parameter), which must contain it.
 */
export interface SweepPromptAxis {
  param: 'prompt';
  search: string;
  values: string[];
}

/** One axis, discriminated by `param` (a seed axis is a list or a range). */
export type SweepAxis =
  | SweepSeedListAxis
  | SweepSeedRangeAxis
  | SweepNumberAxis
  | SweepNameAxis
  | SweepLoraWeightAxis
  | SweepPromptAxis;

/** What every cell starts from: a txt2img request or a workflow template's parameters. */
export type SweepBase =
  | { kind: 'txt2img'; params: Txt2ImgParams }
  | { kind: 'template'; name: string; params: Record<string, unknown> };

/**
 * POST /api/comfy/sweeps (Idempotency-Key honoured: the same request again returns the same sweep).
 * A txt2img base without a seed and without a seed axis gets one drawn seed for every cell, so the cells
 * differ only by their axes. Bad axes answer 400 `validation_failed` naming `axes.<i>.<field>`.
 */
export interface SweepRequest {
  base: SweepBase;
  /** 1..maxSweepAxes: X, then Y, then Z. */
  axes: SweepAxis[];
}

export interface SweepCreateResponse {
  sweep_id: string;
  /** One prompt id per cell, X fastest, then Y, then Z. */
  job_ids: string[];
}

/** An axis as the grid shows it: one label per value, in order. */
export interface SweepAxisView {
  param: SweepParam;
  /** E.g. `CFG`, `LoRA foo.safetensors`, `Prompt "red"`. */
  title: string;
  labels: string[];
  /** The values themselves (numbers or strings), as sent or expanded from a seed range. */
  values: (number | string)[];
}

export interface SweepCell {
  x: number;
  y: number;
  z: number;
  prompt_id: string;
  status: JobStatus;
  images: ComfyImageRef[];
  error: JobError | null;
  /** The job's parameters (txt2img: the builder's, seed included; template: `{template, values}`). */
  params: Record<string, unknown> | null;
}

/** GET /api/comfy/sweeps/:id (the owner or an admin; anyone else: 404). */
export interface SweepResponse {
  sweep_id: string;
  owner: JobOwner;
  created_at: string;
  base: SweepBase;
  /** X, Y, Z as requested (1..3 of them). */
  axes: SweepAxisView[];
  /** [X, Y, Z] sizes; a missing axis counts 1. */
  shape: [number, number, number];
  /** Every cell queued so far (all of them once the POST answered), X fastest. */
  cells: SweepCell[];
}

/** GET /api/comfy/sweeps/:id/contact-sheet.png query: which Z page (default 0). */
export interface SweepContactSheetQuery {
  z?: number;
}
