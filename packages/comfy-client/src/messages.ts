// The WebSocket text messages, checked at the boundary: known types whose shape checks out are typed,
// everything else is passed through as `{ type: 'unknown', raw }`.

import { isFiniteNumber, isRecord, stringArray, stringOr } from './guards.js';

export interface StatusMessage {
  type: 'status';
  data: { status: { exec_info: { queue_remaining: number } }; sid?: string };
}
export interface ExecutionStartMessage {
  type: 'execution_start';
  data: { prompt_id: string; timestamp?: number };
}
export interface ExecutionCachedMessage {
  type: 'execution_cached';
  data: { nodes: string[]; prompt_id: string; timestamp?: number };
}
/** `node: null` with a prompt_id ends a run; after a reconnect the server may send it without prompt_id. */
export interface ExecutingMessage {
  type: 'executing';
  data: { node: string | null; display_node?: string; prompt_id?: string };
}
export interface ProgressMessage {
  type: 'progress';
  data: { value: number; max: number; prompt_id?: string; node?: string | null };
}
export interface ExecutedMessage {
  type: 'executed';
  data: { node: string; display_node?: string; output: Record<string, unknown>; prompt_id: string };
}
export interface ExecutionSuccessMessage {
  type: 'execution_success';
  data: { prompt_id: string; timestamp?: number };
}
export interface ExecutionErrorMessage {
  type: 'execution_error';
  data: {
    prompt_id: string;
    node_id: string;
    node_type: string;
    executed: string[];
    exception_message: string;
    exception_type: string;
    traceback: string[];
    current_inputs: unknown;
    current_outputs: unknown;
    timestamp?: number;
  };
}
export interface ExecutionInterruptedMessage {
  type: 'execution_interrupted';
  data: { prompt_id: string; node_id: string; node_type: string; executed: string[]; timestamp?: number };
}
/** A message this package does not know (custom nodes, newer servers) or one whose shape did not check out. */
export interface UnknownMessage {
  type: 'unknown';
  /** The parsed JSON (or the text / bytes when it was not JSON / not a known binary frame). */
  raw: unknown;
}

export type ComfyMessage =
  | StatusMessage
  | ExecutionStartMessage
  | ExecutionCachedMessage
  | ExecutingMessage
  | ProgressMessage
  | ExecutedMessage
  | ExecutionSuccessMessage
  | ExecutionErrorMessage
  | ExecutionInterruptedMessage;

const hasPromptId = (d: Record<string, unknown>) => typeof d.prompt_id === 'string';
const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

const messageChecks: Record<ComfyMessage['type'], (data: Record<string, unknown>) => boolean> = {
  status: (d) => isRecord(d.status) && isRecord(d.status.exec_info) && optionalString(d.sid),
  execution_start: hasPromptId,
  execution_cached: (d) => hasPromptId(d) && Array.isArray(d.nodes),
  executing: (d) => (d.node === null || typeof d.node === 'string') && optionalString(d.prompt_id),
  progress: (d) => isFiniteNumber(d.value) && isFiniteNumber(d.max) && optionalString(d.prompt_id),
  executed: (d) => hasPromptId(d) && typeof d.node === 'string' && isRecord(d.output),
  execution_success: hasPromptId,
  execution_error: (d) => hasPromptId(d),
  execution_interrupted: (d) => hasPromptId(d),
};

function isKnownType(type: string): type is ComfyMessage['type'] {
  return Object.hasOwn(messageChecks, type);
}

// Where a run stopped: ComfyUI sends these fields with both execution_interrupted and execution_error.
function stoppedAt(data: Record<string, unknown>): Omit<ExecutionInterruptedMessage['data'], 'prompt_id'> {
  return {
    node_id: stringOr(data.node_id, ''),
    node_type: stringOr(data.node_type, ''),
    executed: stringArray(data.executed),
  };
}

/**
 * Parses one text frame. Known types are checked and lightly normalised (missing arrays become `[]`,
 * error strings default); anything else comes back as `{ type: 'unknown', raw }`.
 */
export function parseMessage(text: string): ComfyMessage | UnknownMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { type: 'unknown', raw: text };
  }
  if (!isRecord(raw) || typeof raw.type !== 'string' || !isRecord(raw.data)) return { type: 'unknown', raw };
  const { type, data } = raw;
  if (!isKnownType(type) || !messageChecks[type](data)) return { type: 'unknown', raw };
  switch (type) {
    case 'execution_cached':
      return { type, data: { ...data, nodes: stringArray(data.nodes) } } as ExecutionCachedMessage;
    case 'execution_error':
      return {
        type,
        data: {
          ...data,
          ...stoppedAt(data),
          exception_message: stringOr(data.exception_message, ''),
          exception_type: stringOr(data.exception_type, ''),
          traceback: stringArray(data.traceback),
        },
      } as ExecutionErrorMessage;
    case 'execution_interrupted':
      return { type, data: { ...data, ...stoppedAt(data) } } as ExecutionInterruptedMessage;
    default:
      // The check above guarantees the fields the type promises.
      return { type, data } as ComfyMessage;
  }
}

/** The prompt a message belongs to, when it says. */
export function promptIdOf(message: ComfyMessage): string | null {
  return 'prompt_id' in message.data && typeof message.data.prompt_id === 'string'
    ? message.data.prompt_id
    : null;
}
