import type {
  AuthUser,
  BackendInput,
  BackendPatch,
  BackendView,
  JobSummary,
  MyUsageResponse,
  QueuePositionTarget,
  QueueStateResponse,
  Role,
  RoleLimitsResponse,
  RoleLimitsUpdate,
  UsageResponse,
} from '@atelier/contract';
import { roles, unlimitedRoleLimits } from '@atelier/contract';
import { vi } from 'vitest';
import type { FakeApi } from './fake-api';
import type { FakeComfy } from './fake-comfy';
import { fail, reply } from './fake-reply';

/** Atelier's queue, the backend pool, caps and usage, as the fake API keeps them (see fake-api.ts). */
export interface FakeQueue {
  state: QueueStateResponse;
  /** PATCH /api/comfy/jobs/:id bodies, in order. */
  moves: { prompt_id: string; position: QueuePositionTarget }[];
  retried: string[];
  backends: BackendView[];
  limits: RoleLimitsResponse[];
  usage: UsageResponse;
  myUsage: MyUsageResponse;
  /** Queries of GET /api/admin/usage, in order. */
  usageQueries: string[];
  /** New txt2img jobs wait in Atelier's queue (every GPU busy) instead of going straight to one. */
  newJobsWait: boolean;
}

export function backendView(id: number, name: string, patch: Partial<BackendView> = {}): BackendView {
  return {
    id,
    name,
    url: id === 1 ? null : `http://10.0.0.${id}:8188`,
    effective_url: `http://10.0.0.${id}:8188`,
    is_default: id === 1,
    weight: 1,
    tags: [],
    enabled: true,
    draining: false,
    state: 'up',
    in_flight: 0,
    queue_remaining: 0,
    latency_ms: 12,
    last_error: null,
    version: '0.3.7',
    object_info_at: '2025-01-01T00:00:00.000Z',
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    ...patch,
  };
}

export function createFakeQueue(): FakeQueue {
  return {
    state: { paused: false, all_paused: false, auto_retry: false, waiting: 0, running: 0 },
    moves: [],
    retried: [],
    backends: [backendView(1, 'default')],
    limits: roles.map((role) => ({
      role,
      limits: { ...unlimitedRoleLimits },
      updated_at: null,
      updated_by: null,
    })),
    usage: {
      from: '2025-01-01',
      to: '2025-01-02',
      group_by: 'user',
      days: ['2025-01-01', '2025-01-02'],
      rows: [],
      totals: { jobs: 0, gpu_seconds: 0, days: [] },
    },
    myUsage: {
      role: 'user',
      today: { day: '2025-01-02', jobs: 3, gpu_seconds: 120 },
      quota_gpu_seconds: 600,
      remaining_gpu_seconds: 480,
      held: false,
      resets_at: '2025-01-03T00:00:00.000Z',
      last_30_days: [],
      limits: { ...unlimitedRoleLimits, gpu_seconds_per_day: 600 },
    },
    usageQueries: [],
    newJobsWait: false,
  };
}

/** A job waiting in Atelier's queue at `position` (1-based among its owner's). */
export function waitingJob(base: JobSummary, position: number): JobSummary {
  return { ...base, status: 'waiting', waiting_position: position, backend: null };
}

/**
 * Puts the queue's routes in front of the fake API (installFakeApi first): they answer for a signed-in
 * user, everything else goes on to the fake API as before.
 */
export function installFakeQueue(api: FakeApi): FakeQueue {
  const queue = createFakeQueue();
  const inner = api.fetch;
  api.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), 'http://localhost');
    const method = init?.method ?? 'GET';
    if (api.signedIn && !api.isAccessExpired) {
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      const answer = routeQueue(queue, api.comfy, api.signedIn, method, url, body);
      if (answer) {
        api.calls.push(`${method} ${url.pathname}`);
        api.headers.push({ ...(init?.headers as Record<string, string> | undefined) });
        return answer;
      }
    }
    const answer = await inner(input, init);
    if (
      queue.newJobsWait &&
      method === 'POST' &&
      url.pathname === '/api/comfy/txt2img' &&
      answer.ok &&
      api.signedIn
    ) {
      const created = api.comfy.jobs[0];
      if (created) Object.assign(created, { status: 'waiting', waiting_position: Number.MAX_SAFE_INTEGER });
      renumber(api.comfy, api.signedIn);
    }
    return answer;
  };
  vi.stubGlobal('fetch', api.fetch);
  return queue;
}

/** My waiting jobs in order, renumbered 1…n (the server's positions after any change). */
function renumber(comfy: FakeComfy, user: AuthUser): JobSummary[] {
  const mine = comfy.jobs
    .filter((j) => j.owner.id === user.id && j.status === 'waiting')
    .sort((a, b) => (a.waiting_position ?? 0) - (b.waiting_position ?? 0));
  mine.forEach((j, i) => (j.waiting_position = i + 1));
  return mine;
}

/** Answers the queue, pool, limits and usage routes; null for any other. */
export function routeQueue(
  queue: FakeQueue,
  comfy: FakeComfy,
  user: AuthUser,
  method: string,
  url: URL,
  body: unknown,
): Response | null {
  const path = url.pathname;
  const isAdmin = user.role === 'admin';
  if (path.startsWith('/api/comfy/') && !comfy.enabled) return null;
  if (method === 'GET' && path === '/api/comfy/queue') return reply(200, queue.state);
  if (method === 'PATCH' && path === '/api/comfy/queue') {
    queue.state = { ...queue.state, ...(body as Partial<QueueStateResponse>) };
    return reply(200, queue.state);
  }
  const pause = /^\/api\/comfy\/queue\/(pause|resume)$/.exec(path);
  if (method === 'POST' && pause) {
    const paused = pause[1] === 'pause';
    if (url.searchParams.get('all') === '1') {
      if (!isAdmin) return fail(403, 'auth.forbidden', 'Admins only.');
      queue.state = { ...queue.state, all_paused: paused };
    } else queue.state = { ...queue.state, paused };
    return reply(200, queue.state);
  }
  if (method === 'GET' && path === '/api/comfy/jobs' && url.searchParams.get('status') === 'waiting') {
    const all = renumber(comfy, user);
    const limit = Number(url.searchParams.get('limit') ?? 20);
    return reply(200, { items: all.slice(0, limit), next_cursor: all.length > limit ? 'more' : null });
  }
  const jobPath = /^\/api\/comfy\/jobs\/([^/]+)(\/retry)?$/.exec(path);
  const cancelPath = /^\/api\/comfy\/cancel\/(.+)$/.exec(path);
  const found = comfy.jobs.find(
    (j) => j.prompt_id === decodeURIComponent((jobPath ?? cancelPath)?.[1] ?? '') && j.owner.id === user.id,
  );
  if (method === 'PATCH' && jobPath && !jobPath[2]) {
    if (!found) return fail(404, 'comfy.job_not_found', 'No such job.');
    if (found.status !== 'waiting') return fail(409, 'conflict', 'The job is not waiting any more.');
    const { position } = body as { position: QueuePositionTarget };
    queue.moves.push({ prompt_id: found.prompt_id, position });
    const others = renumber(comfy, user).filter((j) => j !== found);
    const index = position === 'top' ? 0 : position === 'bottom' ? others.length : position - 1;
    others.splice(Math.max(0, Math.min(index, others.length)), 0, found);
    others.forEach((j, i) => (j.waiting_position = i + 1));
    return reply(200, {
      prompt_id: found.prompt_id,
      status: 'waiting',
      waiting_position: found.waiting_position,
    });
  }
  if (method === 'POST' && jobPath?.[2]) {
    if (!found) return fail(404, 'comfy.job_not_found', 'No such job.');
    if (!['failed', 'lost', 'interrupted'].includes(found.status))
      return fail(409, 'conflict', 'Only failed, lost or cancelled jobs are retried.');
    queue.retried.push(found.prompt_id);
    const copy: JobSummary = {
      ...found,
      prompt_id: `retry-${queue.retried.length}`,
      status: 'waiting',
      created_at: new Date().toISOString(),
      error: null,
      retry_of: found.prompt_id,
      waiting_position: renumber(comfy, user).length + 1,
    };
    comfy.jobs.unshift(copy);
    return reply(201, { prompt_id: copy.prompt_id, retry_of: found.prompt_id, status: 'waiting' });
  }
  // Cancelling a waiting job never reaches ComfyUI: it ends at once (the real API does the same).
  if (method === 'POST' && cancelPath && found?.status === 'waiting') {
    comfy.cancelled.push(found.prompt_id);
    found.status = 'interrupted';
    found.waiting_position = null;
    renumber(comfy, user);
    return reply(200, { prompt_id: found.prompt_id, action: 'deleted', status: 'interrupted' });
  }
  if (method === 'GET' && path === '/api/me/usage') return reply(200, queue.myUsage);
  if (!/^\/api\/admin\/(backends|limits|usage)/.test(path)) return null;
  if (!isAdmin) return fail(403, 'auth.forbidden', 'Admins only.');
  return routeAdmin(queue, method, url, body);
}

function routeAdmin(queue: FakeQueue, method: string, url: URL, body: unknown) {
  const path = url.pathname;
  if (method === 'GET' && path === '/api/admin/backends') return reply(200, { items: queue.backends });
  if (method === 'POST' && path === '/api/admin/backends') {
    const input = body as BackendInput;
    if (!/^https?:\/\//.test(input.url))
      return fail(400, 'validation_failed', 'Invalid.', { url: ['url must be http(s)'] });
    const created = backendView(Math.max(0, ...queue.backends.map((b) => b.id)) + 1, input.name, {
      url: input.url,
      effective_url: input.url,
      weight: input.weight ?? 1,
      tags: input.tags ?? [],
      state: 'connecting',
    });
    queue.backends.push(created);
    return reply(201, created);
  }
  const backendPath = /^\/api\/admin\/backends\/(\d+)$/.exec(path);
  if (backendPath) {
    const found = queue.backends.find((b) => b.id === Number(backendPath[1]));
    if (!found) return fail(404, 'not_found', 'No such backend.');
    if (method === 'DELETE') {
      if (found.is_default) return fail(409, 'conflict', 'The default backend stays.');
      queue.backends = queue.backends.filter((b) => b !== found);
      return reply(204);
    }
    const patch = body as BackendPatch;
    Object.assign(found, patch, patch.enabled === false ? { state: 'disabled' } : {});
    return reply(200, found);
  }
  if (method === 'GET' && path === '/api/admin/limits') return reply(200, { items: queue.limits });
  const limitsPath = /^\/api\/admin\/limits\/(\w+)$/.exec(path);
  if (method === 'PUT' && limitsPath) {
    const entry = queue.limits.find((l) => l.role === (limitsPath[1] as Role));
    if (!entry) return fail(404, 'not_found', 'No such role.');
    const changes = body as RoleLimitsUpdate;
    if (changes.weight === null || (changes.weight !== undefined && changes.weight < 0.1))
      return fail(400, 'validation_failed', 'Invalid.', { weight: ['weight must be at least 0.1'] });
    entry.limits = { ...entry.limits, ...changes };
    entry.updated_at = new Date().toISOString();
    entry.updated_by = { id: 1, username: 'admin' };
    return reply(200, entry);
  }
  if (method === 'GET' && path === '/api/admin/usage') {
    queue.usageQueries.push(url.search);
    return reply(200, queue.usage);
  }
  return null;
}
