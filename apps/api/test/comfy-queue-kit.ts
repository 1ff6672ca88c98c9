import type { ComfySim } from '@atelier/comfy-sim';
import type {
  ComfyQueueResponse,
  ComfyStatusResponse,
  JobListResponse,
  QueueStateResponse,
} from '@atelier/contract';
import { simJson, waitFor } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/** The queue routes, as the suites of Atelier's own queue call them. */
export function queueClient(app: TestApp) {
  const client = {
    async submit(session: TestSession, workflow: Record<string, unknown>): Promise<ComfyQueueResponse> {
      const response = await app.request
        .post('/api/comfy/queue')
        .set(session.bearer)
        .send({ workflow })
        .expect(201);
      return response.body as ComfyQueueResponse;
    },
    async submitId(session: TestSession, workflow: Record<string, unknown>): Promise<string> {
      return (await client.submit(session, workflow)).prompt_id;
    },
    async status(session: TestSession, promptId: string): Promise<ComfyStatusResponse> {
      return (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer).expect(200))
        .body as ComfyStatusResponse;
    },
    /** Polls the job's status until it has succeeded (fails with the last status after `timeoutMs`). */
    succeeded(session: TestSession, promptId: string, timeoutMs = 30_000): Promise<ComfyStatusResponse> {
      return waitFor(
        () => client.status(session, promptId),
        (s) => s.status === 'succeeded',
        { timeoutMs, intervalMs: 50 },
      );
    },
    async waiting(session: TestSession): Promise<JobListResponse> {
      return (await app.request.get('/api/comfy/jobs?status=waiting&mine=1').set(session.bearer).expect(200))
        .body as JobListResponse;
    },
    async state(session: TestSession): Promise<QueueStateResponse> {
      return (await app.request.get('/api/comfy/queue').set(session.bearer).expect(200))
        .body as QueueStateResponse;
    },
    pause(session: TestSession, all = false) {
      return app.request.post(`/api/comfy/queue/pause${all ? '?all=1' : ''}`).set(session.bearer);
    },
    resume(session: TestSession, all = false) {
      return app.request.post(`/api/comfy/queue/resume${all ? '?all=1' : ''}`).set(session.bearer);
    },
    move(session: TestSession, promptId: string, position: unknown) {
      return app.request.patch(`/api/comfy/jobs/${promptId}`).set(session.bearer).send({ position });
    },
    cancel(session: TestSession, promptId: string) {
      return app.request.post(`/api/comfy/cancel/${promptId}`).set(session.bearer);
    },
    retry(session: TestSession, promptId: string) {
      return app.request.post(`/api/comfy/jobs/${promptId}/retry`).set(session.bearer);
    },
  };
  return client;
}

type HistoryEntry = { status?: { messages?: [string, Record<string, unknown>][] } };

export interface SimRun {
  promptId: string;
  startedAt: number;
  endedAt: number;
}

const endEvents = new Set(['execution_success', 'execution_error', 'execution_interrupted']);

/**
 * The prompts a simulator has executed, in the order they started, with their start and end times in ms
 * (its `execution_start` and `execution_success|error|interrupted` timestamps).
 */
export async function startOrder(sim: ComfySim): Promise<SimRun[]> {
  const history = (await simJson(sim, '/history')) as Record<string, HistoryEntry>;
  const runs: SimRun[] = [];
  for (const [promptId, entry] of Object.entries(history)) {
    const messages = entry.status?.messages ?? [];
    const startedAt = messages.find(([event]) => event === 'execution_start')?.[1].timestamp;
    const endedAt = messages.find(([event]) => endEvents.has(event))?.[1].timestamp;
    if (typeof startedAt === 'number' && typeof endedAt === 'number')
      runs.push({ promptId, startedAt, endedAt });
  }
  return runs.sort((a, b) => a.startedAt - b.startedAt);
}

/** The seconds ComfyUI (the simulator) itself recorded for a prompt: its execution_start to its end event. */
export async function comfySeconds(sim: ComfySim, promptId: string): Promise<number> {
  const run = (await startOrder(sim)).find((candidate) => candidate.promptId === promptId);
  if (!run) throw new Error(`no timestamps for ${promptId}`);
  return (run.endedAt - run.startedAt) / 1000;
}

/** What a simulator holds right now: running plus pending prompt ids. */
export async function simHolds(sim: ComfySim): Promise<{ running: string[]; pending: string[] }> {
  const queue = (await simJson(sim, '/queue')) as { queue_running: unknown[][]; queue_pending: unknown[][] };
  const ids = (items: unknown[][]) => items.map((item) => String(item[1]));
  return { running: ids(queue.queue_running), pending: ids(queue.queue_pending) };
}
