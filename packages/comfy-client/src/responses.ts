// The HTTP response shapes, checked at the boundary. Everything enters as `unknown` and leaves as a typed
// value or `null` (never a thrown TypeError): custom nodes and newer servers add fields, so the checks
// only demand what this package reads.

import type { NodeClassInfo, ObjectInfo } from '@atelier/contract';
import { isFiniteNumber, isRecord, recordOr, stringArray, stringOr } from './guards.js';

// ---------------------------------------------------------------- prompts

/** One node of an API-format prompt. */
export interface ComfyPromptNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}

/** An API-format prompt: node id → node. */
export type ComfyPrompt = Record<string, ComfyPromptNode>;

/** A file ComfyUI produced or holds: what `/view` takes. `type` is `output`, `input` or `temp`. */
export interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

/** An image listed in a node's outputs. */
export interface OutputImage extends ImageRef {
  nodeId: string;
}

export function isImageRef(value: unknown): value is ImageRef {
  return (
    isRecord(value) &&
    typeof value.filename === 'string' &&
    typeof value.subfolder === 'string' &&
    typeof value.type === 'string'
  );
}

/** Images in a node-id → output map (history `outputs`, or one `executed.output` under its node id). */
export function imagesFromOutputs(outputs: Record<string, unknown>): OutputImage[] {
  const images: OutputImage[] = [];
  for (const [nodeId, output] of Object.entries(outputs)) {
    if (!isRecord(output) || !Array.isArray(output.images)) continue;
    for (const image of output.images) {
      if (isImageRef(image))
        images.push({ nodeId, filename: image.filename, subfolder: image.subfolder, type: image.type });
    }
  }
  return images;
}

// ---------------------------------------------------------------- validation errors

/** One error the validator reported for a node; `inputName` is set when it concerns one input. */
export interface ComfyInputError {
  type: string;
  message: string;
  details: string;
  inputName: string | null;
  extraInfo: Record<string, unknown>;
}

/** The validation errors of one node, as in `node_errors[nodeId]`. */
export interface ComfyNodeError {
  nodeId: string;
  classType: string | null;
  /** Output nodes that cannot run because of this node. */
  dependentOutputs: string[];
  errors: ComfyInputError[];
}

/** Reads `node_errors`: an object keyed by node id, or `[]` (graph-level errors), or anything else (→ []). */
export function parseNodeErrors(value: unknown): ComfyNodeError[] {
  if (!isRecord(value)) return [];
  return Object.entries(value).map(([nodeId, raw]) => {
    const node = recordOr(raw);
    const errors = Array.isArray(node.errors) ? node.errors : [];
    return {
      nodeId,
      classType: stringOr(node.class_type, null),
      dependentOutputs: stringArray(node.dependent_outputs),
      errors: errors.map((e): ComfyInputError => {
        const error = recordOr(e);
        const extraInfo = recordOr(error.extra_info);
        return {
          type: stringOr(error.type, 'unknown'),
          message: stringOr(error.message, ''),
          details: stringOr(error.details, ''),
          inputName: stringOr(extraInfo.input_name, null),
          extraInfo,
        };
      }),
    };
  });
}

/** The top-level `error` of a 400 from POST /prompt: an object, or a bare string such as "no prompt". */
export interface PromptRejection {
  type: string;
  message: string;
  details: string;
  extraInfo: Record<string, unknown>;
  nodeErrors: ComfyNodeError[];
}

export function parsePromptRejection(value: unknown): PromptRejection | null {
  if (!isRecord(value) || !('error' in value)) return null;
  const nodeErrors = parseNodeErrors(value.node_errors);
  if (typeof value.error === 'string') {
    const type = value.error.trim().replace(/\s+/g, '_') || 'unknown';
    return { type, message: value.error, details: '', extraInfo: {}, nodeErrors };
  }
  if (!isRecord(value.error)) return null;
  return {
    type: stringOr(value.error.type, 'unknown'),
    message: stringOr(value.error.message, 'Prompt rejected'),
    details: stringOr(value.error.details, ''),
    extraInfo: recordOr(value.error.extra_info),
    nodeErrors,
  };
}

/** 200 from POST /prompt. */
export interface QueuePromptResult {
  promptId: string;
  number: number;
  /** Filled when some outputs were invalid but others could run (the prompt is still queued). */
  nodeErrors: ComfyNodeError[];
}

export function parseQueuePromptResult(value: unknown): QueuePromptResult | null {
  if (!isRecord(value) || typeof value.prompt_id !== 'string' || !isFiniteNumber(value.number)) return null;
  return { promptId: value.prompt_id, number: value.number, nodeErrors: parseNodeErrors(value.node_errors) };
}

// ---------------------------------------------------------------- queue

/** One `[number, prompt_id, prompt, extra_data, outputs_to_execute]` queue tuple. */
export interface QueueItem {
  number: number;
  promptId: string;
  prompt: Record<string, unknown>;
  extraData: Record<string, unknown>;
  outputsToExecute: string[];
}

/** GET /queue; `pending` sorted into run order (the server sends heap order). */
export interface QueueSnapshot {
  running: QueueItem[];
  pending: QueueItem[];
}

export function parseQueueItem(value: unknown): QueueItem | null {
  if (!Array.isArray(value)) return null;
  const [number, promptId, prompt, extraData, outputs] = value as unknown[];
  if (!isFiniteNumber(number) || typeof promptId !== 'string') return null;
  return {
    number,
    promptId,
    prompt: recordOr(prompt),
    extraData: recordOr(extraData),
    outputsToExecute: stringArray(outputs),
  };
}

export function parseQueue(value: unknown): QueueSnapshot | null {
  if (!isRecord(value) || !Array.isArray(value.queue_running) || !Array.isArray(value.queue_pending))
    return null;
  const items = (list: unknown[]) => list.map(parseQueueItem).filter((i): i is QueueItem => i !== null);
  return {
    running: items(value.queue_running),
    pending: items(value.queue_pending).sort((a, b) => a.number - b.number),
  };
}

/** Where a prompt stands in a queue snapshot; `position` = pending jobs ahead of it (0 = next). */
export function findInQueue(
  queue: QueueSnapshot,
  promptId: string,
): { where: 'running'; item: QueueItem } | { where: 'pending'; item: QueueItem; position: number } | null {
  const running = queue.running.find((i) => i.promptId === promptId);
  if (running) return { where: 'running', item: running };
  const position = queue.pending.findIndex((i) => i.promptId === promptId);
  const pending = queue.pending[position];
  return pending ? { where: 'pending', item: pending, position } : null;
}

// ---------------------------------------------------------------- history

/** `[event, data]` pairs ComfyUI records in a history item's status. */
export type HistoryMessage = [string, Record<string, unknown>];

/** One GET /history item, keyed fields renamed; unknown extras are dropped, raw outputs kept. */
export interface HistoryEntry {
  promptId: string;
  number: number | null;
  prompt: Record<string, unknown>;
  extraData: Record<string, unknown>;
  outputsToExecute: string[];
  /** node id → that node's UI output (`images`, and whatever else custom nodes put there). */
  outputs: Record<string, Record<string, unknown>>;
  status: { statusStr: string | null; completed: boolean; messages: HistoryMessage[] };
  meta: Record<string, unknown>;
}

export function parseHistoryEntry(promptId: string, value: unknown): HistoryEntry | null {
  if (!isRecord(value)) return null;
  const queued = parseQueueItem(value.prompt);
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const [nodeId, output] of Object.entries(recordOr(value.outputs))) {
    if (isRecord(output)) outputs[nodeId] = output;
  }
  const status = recordOr(value.status);
  const messages = Array.isArray(status.messages) ? status.messages : [];
  return {
    promptId,
    number: queued?.number ?? null,
    prompt: queued?.prompt ?? {},
    extraData: queued?.extraData ?? {},
    outputsToExecute: queued?.outputsToExecute ?? [],
    outputs,
    status: {
      statusStr: stringOr(status.status_str, null),
      completed: status.completed === true,
      messages: messages.flatMap((m): HistoryMessage[] =>
        Array.isArray(m) && typeof m[0] === 'string' ? [[m[0], recordOr(m[1])]] : [],
      ),
    },
    meta: recordOr(value.meta),
  };
}

/** GET /history[/{id}]: `{id: item}` in the server's order (oldest first). Unknown id → `{}` → []. */
export function parseHistory(value: unknown): HistoryEntry[] | null {
  if (!isRecord(value)) return null;
  return Object.entries(value)
    .map(([id, item]) => parseHistoryEntry(id, item))
    .filter((e): e is HistoryEntry => e !== null);
}

/** Why a run stopped: the failing node and its exception, or where an interrupt landed. */
export interface ExecutionFailure {
  nodeId: string | null;
  nodeType: string | null;
  /** `exception_type` (e.g. `RuntimeError`), or `interrupted`. */
  type: string;
  message: string;
  traceback: string[];
}

/**
 * When ComfyUI ran a prompt, by its own clock (epoch ms, the messages' `timestamp`): from
 * `execution_start` to `execution_success | execution_error | execution_interrupted`. Nodes served from
 * its cache are not executed in between, so a fully cached rerun spans about nothing.
 */
export interface ExecutionTiming {
  startedAt: number | null;
  endedAt: number | null;
}

const endEvents: ReadonlySet<string> = new Set([
  'execution_success',
  'execution_error',
  'execution_interrupted',
]);

/** The timing recorded in a history item's `status.messages`; null when neither end carries a timestamp. */
export function timingFromMessages(messages: readonly HistoryMessage[]): ExecutionTiming | null {
  let startedAt: number | null = null;
  let endedAt: number | null = null;
  for (const [event, data] of messages) {
    const at = isFiniteNumber(data.timestamp) ? data.timestamp : null;
    if (event === 'execution_start') startedAt = at;
    else if (endEvents.has(event)) endedAt = at;
  }
  return startedAt === null && endedAt === null ? null : { startedAt, endedAt };
}

/** Seconds between both ends of a timing; null when one is missing or the clock went backwards. */
export function executionSeconds(timing: ExecutionTiming | null | undefined): number | null {
  if (!timing || timing.startedAt === null || timing.endedAt === null) return null;
  const ms = timing.endedAt - timing.startedAt;
  return ms >= 0 ? ms / 1000 : null;
}

/** What a finished history item amounts to. */
export interface HistoryOutcome {
  status: 'succeeded' | 'failed' | 'interrupted';
  images: OutputImage[];
  error?: ExecutionFailure;
  /** Absent when the item's messages carry no timestamps (older servers). */
  timing?: ExecutionTiming;
}

export function failureFromExecutionError(data: Record<string, unknown>): ExecutionFailure {
  return {
    nodeId: stringOr(data.node_id, null),
    nodeType: stringOr(data.node_type, null),
    type: stringOr(data.exception_type, 'error'),
    message: stringOr(data.exception_message, 'Execution failed'),
    traceback: stringArray(data.traceback),
  };
}

export function failureFromInterrupt(data: Record<string, unknown>): ExecutionFailure {
  return {
    nodeId: stringOr(data.node_id, null),
    nodeType: stringOr(data.node_type, null),
    type: 'interrupted',
    message: 'Execution was interrupted',
    traceback: [],
  };
}

/**
 * Normalises a history item: success, a runtime error (the `execution_error` message) or an interrupt
 * (ComfyUI records interrupts as `status_str: "error"`; only the last message tells them apart).
 */
export function normaliseHistoryItem(entry: HistoryEntry): HistoryOutcome {
  const outcome = outcomeOf(entry);
  const timing = timingFromMessages(entry.status.messages);
  return timing ? { ...outcome, timing } : outcome;
}

function outcomeOf(entry: HistoryEntry): HistoryOutcome {
  const images = imagesFromOutputs(entry.outputs);
  const messages = entry.status.messages;
  const errorMessage = messages.find(([event]) => event === 'execution_error');
  if (errorMessage) return { status: 'failed', images, error: failureFromExecutionError(errorMessage[1]) };
  const interrupted = messages.find(([event]) => event === 'execution_interrupted');
  if (interrupted) return { status: 'interrupted', images, error: failureFromInterrupt(interrupted[1]) };
  if (entry.status.statusStr === 'error') {
    return {
      status: 'failed',
      images,
      error: { nodeId: null, nodeType: null, type: 'error', message: 'Execution failed', traceback: [] },
    };
  }
  return { status: 'succeeded', images };
}

// ---------------------------------------------------------------- other responses

function isNodeClassInfo(value: unknown): value is NodeClassInfo {
  return isRecord(value) && isRecord(value.input);
}

/** Keeps the node classes whose definition has an `input` object; drops the rest. */
export function parseObjectInfo(value: unknown): ObjectInfo | null {
  if (!isRecord(value)) return null;
  const info: ObjectInfo = {};
  for (const [name, def] of Object.entries(value)) if (isNodeClassInfo(def)) info[name] = def;
  return info;
}

/** GET /system_stats. */
export interface SystemStats {
  system: {
    os?: string;
    ram_total?: number;
    ram_free?: number;
    comfyui_version?: string;
    python_version?: string;
    pytorch_version?: string;
    embedded_python?: boolean;
    argv?: string[];
    [key: string]: unknown;
  };
  devices: {
    name?: string;
    type?: string;
    index?: number | null;
    vram_total?: number;
    vram_free?: number;
    torch_vram_total?: number;
    torch_vram_free?: number;
    [key: string]: unknown;
  }[];
}

export function parseSystemStats(value: unknown): SystemStats | null {
  if (!isRecord(value) || !isRecord(value.system) || !Array.isArray(value.devices)) return null;
  return { system: value.system, devices: value.devices.filter(isRecord) };
}

/** POST /upload/image: where the file landed (name may differ: `upload (1).png`). */
export interface UploadResult {
  name: string;
  subfolder: string;
  type: string;
}

export function parseUploadResult(value: unknown): UploadResult | null {
  if (!isRecord(value) || typeof value.name !== 'string') return null;
  return { name: value.name, subfolder: stringOr(value.subfolder, ''), type: stringOr(value.type, 'input') };
}

/** GET /prompt → queue_remaining (running + pending). */
export function parseQueueRemaining(value: unknown): number | null {
  if (!isRecord(value) || !isRecord(value.exec_info)) return null;
  const remaining = value.exec_info.queue_remaining;
  return isFiniteNumber(remaining) ? remaining : null;
}
