import { describe, expect, it } from 'vitest';
import type { AppEventMap } from './app-events.js';
import { clusterEvents, decodeClusterEvent, encodeClusterEvent } from './cluster-events.js';

const job = {
  status: 'succeeded',
  queuePosition: null,
  progress: { value: 20, max: 20, node: '3' },
  images: [{ filename: 'a.png', subfolder: '', type: 'output' }],
  error: null,
} as const;

/** One payload per event that crosses replicas, shaped as its publisher makes it. */
const samples: { [K in keyof typeof clusterEvents]: AppEventMap[K] } = {
  'config.changed': {
    previous: { comfy_enabled: false } as never,
    current: { comfy_enabled: true } as never,
    changedKeys: ['comfy_enabled'],
    actor: { id: 1, username: 'admin' },
  },
  'queue.limits_changed': {
    actor: { id: 1, username: 'admin' },
    role: 'user',
    changes: { max_waiting: { from: null, to: 3 } },
  },
  'comfy.backends_changed': {
    actor: { id: 1, username: 'admin' },
    backend: { id: 2, name: 'gpu-2' },
    change: 'updated',
    changes: { url: { from: 'http://a', to: 'http://b' } },
  },
  'comfy.backend_state': { backendId: 2, accepting: true },
  'comfy.backend_reachable': { backendId: 2, reason: 'socket reconnected' },
  'comfy.template_saved': {
    actor: { id: 1, username: 'c' },
    name: 't',
    version: '2',
    created: false,
    shadowsFile: true,
  },
  'comfy.object_info_refreshed': {
    info: { KSampler: { input: { required: {} }, output: ['LATENT'] } },
    fetchedAt: new Date('2026-12-05T09:30:00.123Z'),
  },
  'user.disabled': { userId: 7 },
  'user.updated': {
    actor: null,
    user: { id: 7, username: 'u' },
    changes: { disabled: { from: false, to: true } },
  },
  'job.waiting': { promptId: 'p1', ownerId: 3, job: { ...job, status: 'waiting' } as never },
  'job.queued': {
    promptId: 'p1',
    ownerId: 3,
    job: job as never,
    workflow: { '3': { class_type: 'KSampler' } },
    backendId: 1,
  },
  'job.position': { promptId: 'p1', ownerId: 3, job: { ...job, queuePosition: 2 } as never },
  'job.running': { promptId: 'p1', ownerId: 3, job: job as never },
  'job.progress': { promptId: 'p1', ownerId: 3, job: job as never, progress: { value: 3, max: 20 } as never },
  'job.tracking': { promptId: 'p1', ownerId: 3, job: job as never, via: 'polling' },
  'job.succeeded': {
    promptId: 'p1',
    ownerId: 3,
    job: job as never,
    backendId: 1,
    ownerRole: 'user',
    gpuSeconds: 4.5,
  },
  'job.failed': { promptId: 'p1', ownerId: 3, job: job as never, backendId: null },
  'job.interrupted': { promptId: 'p1', ownerId: 3, job: job as never },
  'job.lost': { promptId: 'p1', ownerId: 3, job: job as never, gpuSeconds: null },
};

/** What a message goes through between two replicas: text over Redis. */
const overTheWire = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

describe('cluster event codecs', () => {
  for (const [name, payload] of Object.entries(samples) as [keyof typeof samples, never][]) {
    it(`${name} arrives on another replica as it was published`, () => {
      const text = encodeClusterEvent(name, payload, 'replica-a');
      expect(text).not.toBeNull();
      const decoded = decodeClusterEvent(overTheWire(text!));
      expect(decoded).toEqual({ name, origin: 'replica-a', payload });
    });
  }

  it('brings Dates back as Dates, not ISO strings', () => {
    const text = encodeClusterEvent(
      'comfy.object_info_refreshed',
      samples['comfy.object_info_refreshed'],
      'a',
    );
    expect(JSON.parse(text!).payload.fetchedAt).toBe('2026-12-05T09:30:00.123Z');
    const decoded = decodeClusterEvent(text!);
    if ('refused' in decoded || decoded.name !== 'comfy.object_info_refreshed')
      throw new Error('not decoded');
    expect(decoded.payload.fetchedAt).toBeInstanceOf(Date);
    expect(decoded.payload.fetchedAt.getTime()).toBe(Date.parse('2026-12-05T09:30:00.123Z'));
  });

  it('keeps the events that must not cross in their process (preview bytes, audited one-replica effects)', () => {
    const preview = {
      promptId: 'p',
      ownerId: 1,
      job: job as never,
      format: 'png',
      mimeType: 'image/png',
      bytes: new Uint8Array([1]),
    } as const;
    expect(encodeClusterEvent('job.preview', preview, 'a')).toBeNull();
    expect(
      encodeClusterEvent('gallery.images_trashed', { actor: { id: 1, username: 'x' }, ids: [1] }, 'a'),
    ).toBeNull();
    expect(
      encodeClusterEvent('webhook.disabled', { endpointId: 1, ownerId: 1, url: 'u', reason: 'r' }, 'a'),
    ).toBeNull();
  });

  it('refuses messages it cannot trust: not JSON, another version, an event that does not cross, no origin', () => {
    expect(decodeClusterEvent('{not json')).toEqual({ refused: 'not JSON' });
    expect(decodeClusterEvent('null')).toEqual({ refused: 'not an envelope' });
    const valid = JSON.parse(encodeClusterEvent('user.disabled', { userId: 1 }, 'a')!);
    expect(decodeClusterEvent(JSON.stringify({ ...valid, v: 2 }))).toEqual({ refused: 'envelope version 2' });
    expect(decodeClusterEvent(JSON.stringify({ ...valid, name: 'job.preview' }))).toEqual({
      refused: 'event job.preview does not cross replicas',
    });
    expect(decodeClusterEvent(JSON.stringify({ ...valid, name: 'toString' }))).toEqual({
      refused: 'event toString does not cross replicas',
    });
    expect(decodeClusterEvent(JSON.stringify({ ...valid, origin: '' }))).toEqual({ refused: 'no origin' });
  });
});
