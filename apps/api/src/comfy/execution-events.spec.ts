import { parseMessage } from '@atelier/comfy-client';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toExecutionEvent } from './execution-events.js';

/** A real ComfyUI socket transcript (the simulator's conformance recordings), parsed as the socket parses it. */
function transcript(name: string) {
  const url = new URL(`../../../../packages/comfy-sim/test/recordings/ws/${name}`, import.meta.url);
  const recording = JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as {
    frames: { frame: string; raw?: string }[];
  };
  return recording.frames.filter((f) => f.frame === 'text' && f.raw).map((f) => parseMessage(f.raw!));
}

describe('comfy.execution from ComfyUI socket messages', () => {
  it('keeps every execution message of a run (not status), with its node and ComfyUI timestamp', () => {
    const events = transcript('run_success.json')
      .map((message) => toExecutionEvent(3, message, 1000))
      .filter((event) => event !== null);
    expect(events.map((e) => e.type)).toEqual([
      'execution_start',
      'execution_cached',
      'executing',
      'executing',
      'executing',
      'executed',
      'executing',
      'executing',
      'executed',
      'execution_success',
      'executing',
    ]);
    expect(new Set(events.map((e) => e.backendId))).toEqual(new Set([3]));
    expect(new Set(events.map((e) => e.promptId)).size).toBe(1);
    expect(events[0]?.comfyAt).toEqual(expect.any(Number));
    expect(events.at(-1)?.node).toBeNull();
    expect(events.find((e) => e.type === 'executed')?.node).toEqual(expect.any(String));
    expect(events.every((e) => e.at === 1000)).toBe(true);
  });

  it('names the failing node and its class on execution_error', () => {
    const error = transcript('run_execution_error.json')
      .map((message) => toExecutionEvent(1, message, 0))
      .find((event) => event?.type === 'execution_error');
    expect(error?.node).toEqual(expect.any(String));
    expect(error?.nodeType).toEqual(expect.any(String));
  });

  it('leaves out progress and messages it cannot attribute to a prompt', () => {
    expect(
      toExecutionEvent(1, parseMessage('{"type":"progress","data":{"value":1,"max":2,"prompt_id":"p"}}'), 0),
    ).toBeNull();
    expect(toExecutionEvent(1, parseMessage('{"type":"executing","data":{"node":null}}'), 0)).toBeNull();
  });
});
