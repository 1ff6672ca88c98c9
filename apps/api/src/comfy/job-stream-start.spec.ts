import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../events/app-events.js';
import {
  compareStreamIds,
  endsStream,
  finalBurst,
  isStreamId,
  type LoggedEvent,
} from './job-event-frames.js';
import { streamStart, type JobLogSource } from './job-stream-start.js';

const promptId = 'p-1';

/** A job's log in memory, ids `<n>-0` as Redis gives them; `trimmedBefore` drops older entries. */
function logOf(
  events: [LoggedEvent['event'], unknown][],
  trimmedBefore = 0,
): JobLogSource & { entries: LoggedEvent[] } {
  const entries = events
    .map(([event, data], index) => ({ id: `${1000 + index}-0`, event, data: JSON.stringify(data) }))
    .slice(trimmedBefore);
  return {
    entries,
    newest: (_promptId, count) => Promise.resolve(entries.slice().reverse().slice(0, count)),
    from: (_promptId, id) => Promise.resolve(entries.filter((entry) => compareStreamIds(entry.id, id) >= 0)),
  };
}

const running: JobSnapshot = {
  status: 'running',
  queuePosition: null,
  progress: null,
  images: [],
  error: null,
};
const queuedInLedger: JobSnapshot = { ...running, status: 'queued' };
const succeeded: JobSnapshot = { ...running, status: 'succeeded' };

const status = (value: string): [LoggedEvent['event'], unknown] => [
  'status',
  { prompt_id: promptId, status: value },
];
const progress = (value: number): [LoggedEvent['event'], unknown] => [
  'progress',
  { prompt_id: promptId, value, max: 10 },
];
const done: [LoggedEvent['event'], unknown] = ['done', { prompt_id: promptId, status: 'succeeded' }];
const images: [LoggedEvent['event'], unknown] = ['images', { prompt_id: promptId, images: [] }];

/** The frames as `id event` lines, for readable expectations. */
const heads = (frames: Buffer[]) =>
  frames.map((frame) => {
    const text = frame.toString();
    return `${/^id: (.*)$/m.exec(text)?.[1]} ${/^event: (.*)$/m.exec(text)?.[1]}`;
  });

describe('stream ids of the shared job log', () => {
  it('recognises Redis stream ids and orders them by time, then sequence', () => {
    expect(isStreamId('1733400000000-0')).toBe(true);
    expect(isStreamId('abc:12')).toBe(false);
    expect(isStreamId('1-2-3')).toBe(false);
    expect(compareStreamIds('1000-5', '1000-12')).toBeLessThan(0);
    expect(compareStreamIds('1001-0', '1000-12')).toBeGreaterThan(0);
    expect(compareStreamIds('1000-3', '1000-3')).toBe(0);
  });

  it('ends a stream on done and on the switched-off warning, not on other warnings', () => {
    const entry = (event: LoggedEvent['event'], data: unknown): LoggedEvent => ({
      id: '1-0',
      event,
      data: JSON.stringify(data),
    });
    expect(endsStream(entry('done', {}))).toBe(true);
    expect(endsStream(entry('warning', { code: 'comfy.disabled' }))).toBe(true);
    expect(endsStream(entry('warning', { code: 'comfy.socket_down' }))).toBe(false);
    expect(endsStream(entry('status', {}))).toBe(false);
  });

  it('finds the final burst of a finished log: images, status, done', () => {
    const log = logOf([status('running'), progress(9), images, status('succeeded'), done]);
    expect(finalBurst(log.entries.slice().reverse())?.map((entry) => entry.event)).toEqual([
      'images',
      'status',
      'done',
    ]);
    expect(finalBurst(log.entries.slice(0, 3).reverse())).toBeNull();
  });
});

describe('where a shared stream starts', () => {
  it('gives a new subscriber the latest logged status under the latest id, then continues after it', async () => {
    const log = logOf([status('queued'), status('running'), progress(1), progress(2)]);
    const start = await streamStart(log, promptId, null, () => queuedInLedger);
    expect(heads(start.initial)).toEqual(['1003-0 status']);
    // The log's status is newer than the ledger's.
    expect(start.initial[0]?.toString()).toContain('"status":"running"');
    expect(start).toMatchObject({ cursor: '1003-0', live: true });
  });

  it('gives a new subscriber of an unlogged job the state it knows, from the start of the log', async () => {
    const start = await streamStart(logOf([]), promptId, null, () => queuedInLedger);
    expect(heads(start.initial)).toEqual(['0-0 status']);
    expect(start).toMatchObject({ cursor: '0-0', live: true });
  });

  it('resumes after the Last-Event-ID with exactly the events after it, previews left out', async () => {
    const log = logOf([status('running'), progress(1), ['preview', { url: '/x' }], progress(2), progress(3)]);
    const start = await streamStart(log, promptId, '1001-0', () => running);
    expect(heads(start.initial)).toEqual(['1003-0 progress', '1004-0 progress']);
    expect(start).toMatchObject({ cursor: '1004-0', live: true });
  });

  it('resumes up to done and ends; a client that already had done gets nothing and is told to stop', async () => {
    const log = logOf([status('running'), progress(1), images, status('succeeded'), done]);
    const behind = await streamStart(log, promptId, '1001-0', () => succeeded);
    expect(heads(behind.initial)).toEqual(['1002-0 images', '1003-0 status', '1004-0 done']);
    expect(behind.live).toBe(false);
    const caughtUp = await streamStart(log, promptId, '1004-0', () => succeeded);
    expect(caughtUp).toMatchObject({ initial: [], live: false });
  });

  it('falls back to the state when the id was trimmed from the log or is not a stream id', async () => {
    const log = logOf([status('queued'), status('running'), progress(1), progress(2)], 2);
    for (const lastEventId of ['1000-0', 'tag:3']) {
      const start = await streamStart(log, promptId, lastEventId, () => running);
      expect(heads(start.initial)).toEqual(['1003-0 status']);
      expect(start.live).toBe(true);
    }
  });

  it('tells a finished job from its final burst, or from the ledger when done was never logged', async () => {
    const logged = await streamStart(
      logOf([status('running'), images, status('succeeded'), done]),
      promptId,
      null,
      () => running,
    );
    expect(heads(logged.initial)).toEqual(['1001-0 images', '1002-0 status', '1003-0 done']);
    expect(logged.live).toBe(false);
    const unlogged = await streamStart(logOf([status('running')]), promptId, '1000-0', () => succeeded);
    expect(heads(unlogged.initial)).toEqual(['1000-0 status', '1000-0 done']);
    expect(unlogged.live).toBe(false);
  });
});
