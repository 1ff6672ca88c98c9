import { describe, expect, it } from 'vitest';
import {
  executionSeconds,
  findInQueue,
  normaliseHistoryItem,
  parseHistory,
  parseNodeErrors,
  parseQueue,
  timingFromMessages,
} from '../src/index.js';
import {
  parsePromptRejection,
  parseQueuePromptResult,
  parseSystemStats,
  parseUploadResult,
} from '../src/responses.js';
import { httpExchange } from './fixtures.js';

describe('queue', () => {
  it('sorts heap-ordered pending items into run order and finds positions', () => {
    const queue = parseQueue(httpExchange('queue_get_running').response.json);
    expect(queue?.pending.map((i) => i.number)).toEqual([-8, 5, 7, 9]);
    expect(queue?.running.map((i) => i.promptId)).toEqual(['3aa1a366-e85f-4535-827d-3faf6d45de7d']);
    expect(queue?.running[0]?.extraData).toEqual({ client_id: 'gallery-A' });
    expect(findInQueue(queue!, '3aa1a366-e85f-4535-827d-3faf6d45de7d')).toMatchObject({ where: 'running' });
    expect(findInQueue(queue!, '74b570a7-11df-4bc6-a45b-81368acb85c7')).toMatchObject({
      where: 'pending',
      position: 2,
    });
    expect(findInQueue(queue!, 'nope')).toBeNull();
  });

  it('rejects what is not a queue and skips malformed items', () => {
    expect(parseQueue(null)).toBeNull();
    expect(parseQueue({ queue_running: [] })).toBeNull();
    expect(parseQueue({ queue_running: [[1]], queue_pending: ['x', [2, 'id', {}, {}, ['9']]] })).toEqual({
      running: [],
      pending: [{ number: 2, promptId: 'id', prompt: {}, extraData: {}, outputsToExecute: ['9'] }],
    });
  });
});

describe('history', () => {
  it('normalises a success: every output image with its node', () => {
    const [entry] = parseHistory(httpExchange('history_get_id_success').response.json) ?? [];
    expect(entry?.number).toBe(0);
    expect(entry?.extraData).toEqual({ client_id: 'gallery-A' });
    // JSON.parse orders integer-like keys numerically, so images come in node-id order.
    expect(normaliseHistoryItem(entry!)).toEqual({
      status: 'succeeded',
      images: [
        { nodeId: '6', filename: 'golden_00001_.png', subfolder: '', type: 'output' },
        { nodeId: '7', filename: 'ComfyUI_temp_cbkck_00001_.png', subfolder: '', type: 'temp' },
      ],
      timing: { startedAt: 1795263990730, endedAt: 1795263990749 },
    });
    expect(executionSeconds(normaliseHistoryItem(entry!).timing)).toBeCloseTo(0.019, 6);
  });

  it('normalises a cached rerun like a success, timed at almost nothing (no node executed)', () => {
    const [entry] = parseHistory(httpExchange('history_get_id_cached_rerun').response.json) ?? [];
    const outcome = normaliseHistoryItem(entry!);
    expect(outcome).toMatchObject({ status: 'succeeded', images: [{}, {}] });
    expect(executionSeconds(outcome.timing)).toBeCloseTo(0.002, 6);
  });

  it('times a failed and an interrupted run up to their execution_error / execution_interrupted', () => {
    const [failed] = parseHistory(httpExchange('history_get_id_execution_error').response.json) ?? [];
    expect(normaliseHistoryItem(failed!).timing).toEqual({
      startedAt: 1795263991987,
      endedAt: 1795263992003,
    });
    const [stopped] = parseHistory(httpExchange('history_get_id_interrupted').response.json) ?? [];
    expect(normaliseHistoryItem(stopped!).timing).toEqual({
      startedAt: 1795263994297,
      endedAt: 1795264002247,
    });
  });

  it('has no timing without timestamps, and no seconds without both ends or with a clock going back', () => {
    expect(timingFromMessages([['execution_start', { prompt_id: 'p' }]])).toBeNull();
    expect(timingFromMessages([['execution_success', { timestamp: 5 }]])).toEqual({
      startedAt: null,
      endedAt: 5,
    });
    expect(executionSeconds({ startedAt: null, endedAt: 5 })).toBeNull();
    expect(executionSeconds({ startedAt: 10, endedAt: 5 })).toBeNull();
    expect(executionSeconds(undefined)).toBeNull();
    expect(executionSeconds({ startedAt: 1000, endedAt: 3500 })).toBe(2.5);
  });

  it('normalises a runtime error with its node and exception', () => {
    const [entry] = parseHistory(httpExchange('history_get_id_execution_error').response.json) ?? [];
    const outcome = normaliseHistoryItem(entry!);
    expect(outcome).toMatchObject({
      status: 'failed',
      images: [],
      error: {
        nodeId: '13',
        nodeType: 'ImageBlend',
        type: 'RuntimeError',
        message: expect.stringContaining('must match the size of tensor b'),
      },
    });
    expect(outcome.error?.traceback.length).toBeGreaterThan(0);
  });

  it('tells an interrupt from an error although both say status_str "error"', () => {
    const [entry] = parseHistory(httpExchange('history_get_id_interrupted').response.json) ?? [];
    expect(entry?.status.statusStr).toBe('error');
    expect(normaliseHistoryItem(entry!)).toMatchObject({
      status: 'interrupted',
      error: { nodeId: '102', nodeType: 'ImageBlur', type: 'interrupted' },
    });
  });

  it('reads an unknown id ({}) as no entry and a whole history in server order', () => {
    expect(parseHistory(httpExchange('history_get_unknown_id').response.json)).toEqual([]);
    const all = parseHistory(httpExchange('history_get_all').response.json) ?? [];
    expect(all.length).toBeGreaterThan(3);
    expect(all[0]?.promptId).toBe('fc4d1bd5-db02-4395-9071-d088456623ec');
    expect(parseHistory('nope')).toBeNull();
  });

  it('is tolerant of missing fields', () => {
    const [entry] = parseHistory({ abc: { outputs: { '9': { images: [{ filename: 'a.png' }] } } } }) ?? [];
    expect(entry).toMatchObject({ promptId: 'abc', number: null, outputs: { '9': {} } });
    expect(normaliseHistoryItem(entry!)).toEqual({ status: 'succeeded', images: [] });
  });
});

describe('POST /prompt answers', () => {
  it('reads an accepted prompt, including a float number', () => {
    expect(parseQueuePromptResult(httpExchange('prompt_post_accepted').response.json)).toEqual({
      promptId: 'fc4d1bd5-db02-4395-9071-d088456623ec',
      number: 0,
      nodeErrors: [],
    });
    expect(parseQueuePromptResult(httpExchange('prompt_post_accepted_number').response.json)?.number).toBe(5);
    expect(parseQueuePromptResult({ prompt_id: 1 })).toBeNull();
  });

  it('keeps the node errors of a partially invalid but accepted prompt', () => {
    const result = parseQueuePromptResult(
      httpExchange('prompt_post_accepted_partially_invalid').response.json,
    );
    expect(result?.nodeErrors).toEqual([
      {
        nodeId: '3',
        classType: 'EmptyImage',
        dependentOutputs: ['4'],
        errors: [
          {
            type: 'value_bigger_than_max',
            message: 'Value 999999 bigger than max of 16384',
            details: 'width',
            inputName: 'width',
            extraInfo: expect.objectContaining({ received_value: 999999 }),
          },
        ],
      },
    ]);
  });

  const objectForms: [string, string, string, string][] = [
    ['prompt_post_rejected_missing_required_input', '2', 'images', 'required_input_missing'],
    ['prompt_post_rejected_wrong_link_type', '2', 'images', 'return_type_mismatch'],
    ['prompt_post_rejected_bad_link_shape', '2', 'images', 'bad_linked_input'],
    ['prompt_post_rejected_value_out_of_range', '1', 'width', 'value_bigger_than_max'],
    ['prompt_post_rejected_value_below_min', '1', 'width', 'value_smaller_than_min'],
    ['prompt_post_rejected_value_wrong_type', '1', 'width', 'invalid_input_type'],
    ['prompt_post_rejected_combo_value_not_in_list', '2', 'upscale_method', 'value_not_in_list'],
    ['prompt_post_rejected_loadimage_missing_file', '1', 'image', 'custom_validation_failed'],
  ];

  it.each(objectForms)('structures %s per node and input', (file, nodeId, inputName, type) => {
    const rejection = parsePromptRejection(httpExchange(file).response.json);
    expect(rejection?.type).toBe('prompt_outputs_failed_validation');
    expect(rejection?.nodeErrors).toHaveLength(1);
    expect(rejection?.nodeErrors[0]).toMatchObject({ nodeId, errors: [{ type, inputName }] });
  });

  it('keeps an exception during validation without an input name', () => {
    const rejection = parsePromptRejection(
      httpExchange('prompt_post_rejected_link_to_missing_node').response.json,
    );
    expect(rejection?.nodeErrors[0]?.errors[0]).toMatchObject({
      type: 'exception_during_validation',
      inputName: null,
      extraInfo: { exception_type: 'KeyError' },
    });
  });

  it.each([
    ['prompt_post_rejected_unknown_node_class', 'invalid_prompt'],
    ['prompt_post_rejected_missing_class_type', 'invalid_prompt'],
    ['prompt_post_rejected_no_output_node', 'prompt_no_outputs'],
    ['prompt_post_rejected_empty_prompt', 'prompt_no_outputs'],
  ])('reads node_errors: [] in %s as no node errors', (file, type) => {
    const raw = httpExchange(file).response.json as { node_errors: unknown };
    expect(raw.node_errors).toEqual([]);
    expect(parsePromptRejection(raw)).toMatchObject({ type, nodeErrors: [] });
  });

  it('reads error as a bare string ("no prompt")', () => {
    expect(parsePromptRejection(httpExchange('prompt_post_rejected_no_prompt_key').response.json)).toEqual({
      type: 'no_prompt',
      message: 'no prompt',
      details: '',
      extraInfo: {},
      nodeErrors: [],
    });
    expect(parsePromptRejection({ node_errors: [] })).toBeNull();
    expect(parseNodeErrors('garbage')).toEqual([]);
  });
});

describe('other answers', () => {
  it('reads system stats and upload results, rejecting other shapes', () => {
    expect(parseSystemStats(httpExchange('system_stats').response.json)?.system.comfyui_version).toBe(
      'v0.3.7-34-gcc550d59',
    );
    expect(parseSystemStats({ system: 'x' })).toBeNull();
    expect(parseUploadResult(httpExchange('upload_image_subfolder').response.json)).toEqual({
      name: 'upload.png',
      subfolder: 'gallery/uploads',
      type: 'input',
    });
    expect(parseUploadResult([])).toBeNull();
  });
});
