import { describe, expect, it } from 'vitest';
import { parseMessage } from '../src/index.js';
import { wsFrames } from './fixtures.js';

describe('parseMessage on the real server frames', () => {
  const runs = [
    'run_success',
    'run_cached_rerun',
    'run_execution_error',
    'run_execution_error_loadimage_not_an_image',
    'run_binary_frames_SaveImageWebsocket',
    'run_loadimage_outpaint',
    'on_connect_with_clientId',
  ];

  it.each(runs)('types every text frame of %s', (name) => {
    const frames = wsFrames(name).filter((f) => f.frame === 'text');
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) {
      const message = parseMessage(frame.raw);
      expect(message.type).toBe((frame.message as { type: string }).type);
    }
  });

  it('types the interrupted run and the reconnect frame that has no prompt_id', () => {
    const frames = wsFrames('run_interrupted', 'frames_new_socket_same_clientId').filter(
      (f) => f.frame === 'text',
    );
    const messages = frames.map((f) => parseMessage(f.raw));
    expect(messages.map((m) => m.type)).toEqual([
      'status',
      'executing',
      'status',
      'status',
      'executing',
      'execution_interrupted',
      'status',
      'executing',
    ]);
    expect(messages[0]).toMatchObject({ data: { sid: 'gallery-A' } });
    expect(messages[1]).toEqual({ type: 'executing', data: { node: '101' } });
    expect(messages[5]).toMatchObject({
      data: { node_id: '102', node_type: 'ImageBlur', executed: ['100', '1', '101'] },
    });
  });

  it('reads progress as {value, max, prompt_id, node} and the end marker as node null', () => {
    const messages = wsFrames('run_binary_frames_SaveImageWebsocket')
      .filter((f) => f.frame === 'text')
      .map((f) => parseMessage(f.raw));
    expect(messages.find((m) => m.type === 'progress')).toEqual({
      type: 'progress',
      data: { value: 0, max: 2, prompt_id: 'a1c0bc97-8036-493d-816e-93fe32429bf8', node: '2' },
    });
    expect(messages.at(-1)).toEqual({
      type: 'executing',
      data: { node: null, prompt_id: 'a1c0bc97-8036-493d-816e-93fe32429bf8' },
    });
  });

  it('passes unknown types, malformed JSON and ill-shaped known types through as unknown', () => {
    const custom = { type: 'progress_state', data: { prompt_id: 'p', nodes: {} } };
    expect(parseMessage(JSON.stringify(custom))).toEqual({ type: 'unknown', raw: custom });
    expect(parseMessage('{not json')).toEqual({ type: 'unknown', raw: '{not json' });
    expect(parseMessage('[1,2]')).toEqual({ type: 'unknown', raw: [1, 2] });
    const badProgress = { type: 'progress', data: { value: 'a', max: 2 } };
    expect(parseMessage(JSON.stringify(badProgress))).toEqual({ type: 'unknown', raw: badProgress });
    const noData = { type: 'status' };
    expect(parseMessage(JSON.stringify(noData))).toEqual({ type: 'unknown', raw: noData });
    const constructor = { type: 'constructor', data: {} };
    expect(parseMessage(JSON.stringify(constructor)).type).toBe('unknown');
  });

  it('fills the arrays of an execution_error that lacks them', () => {
    const message = parseMessage(JSON.stringify({ type: 'execution_error', data: { prompt_id: 'p' } }));
    expect(message).toMatchObject({
      type: 'execution_error',
      data: { prompt_id: 'p', executed: [], traceback: [], exception_message: '', node_id: '' },
    });
  });
});
