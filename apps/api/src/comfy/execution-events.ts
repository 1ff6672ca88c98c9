import type { ComfySocketEvent } from '@atelier/comfy-client';
import type { ComfyExecutionEvent } from '../events/app-events.js';
import type { EventBus } from '../events/event-bus.js';

/**
 * Publishes `comfy.execution` for each execution message a backend's socket receives (metrics count
 * them, one log line each). `progress` stays out: a sampler sends one per step, which is noise here.
 * Messages without a prompt id (ComfyUI after a reconnect) cannot be attributed and are skipped.
 */
export function relayExecution(bus: EventBus, backendId: number, event: ComfySocketEvent): void {
  const execution = toExecutionEvent(backendId, event, Date.now());
  if (execution) void bus.publish('comfy.execution', execution);
}

export function toExecutionEvent(
  backendId: number,
  event: ComfySocketEvent,
  at: number,
): ComfyExecutionEvent | null {
  const base = { backendId, at, node: null, nodeType: null, comfyAt: null };
  switch (event.type) {
    case 'execution_start':
    case 'execution_success':
      return {
        ...base,
        type: event.type,
        promptId: event.data.prompt_id,
        comfyAt: event.data.timestamp ?? null,
      };
    case 'execution_cached':
      return {
        ...base,
        type: event.type,
        promptId: event.data.prompt_id,
        nodes: event.data.nodes,
        comfyAt: event.data.timestamp ?? null,
      };
    case 'executing':
      if (event.data.prompt_id === undefined) return null;
      return { ...base, type: event.type, promptId: event.data.prompt_id, node: event.data.node };
    case 'executed':
      return { ...base, type: event.type, promptId: event.data.prompt_id, node: event.data.node };
    case 'execution_error':
    case 'execution_interrupted':
      return {
        ...base,
        type: event.type,
        promptId: event.data.prompt_id,
        node: event.data.node_id || null,
        nodeType: event.data.node_type || null,
        comfyAt: event.data.timestamp ?? null,
      };
    default:
      return null;
  }
}
