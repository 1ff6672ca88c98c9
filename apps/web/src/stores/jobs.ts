import type {
  ComfyImageRef,
  ComfyQueueResponse,
  ComfyWorkflowRunResponse,
  IngestResponse,
  JobSummary,
  Txt2ImgParams,
  Txt2ImgResponse,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, effectScope, onScopeDispose, ref, watch, type EffectScope } from 'vue';
import { comfyApi, newIdempotencyKey } from '../api/comfy';
import { galleryApi } from '../api/gallery';
import { ApiError } from '../api/http';
import { queueApi } from '../api/queue';
import { workflowsApi } from '../api/workflows';
import { useJobStream } from '../composables/useJobStream';
import { imageKey, isTerminal, settleJob, type LiveJob } from '../domain/job-state';
import { callComfy } from './comfy-call';
import { useComfyHealthStore } from './comfy-health';
import { describeError } from './errors';
import { useGalleryStore } from './gallery';
import { useJobNoticesStore } from './job-notices';
import { useWaitingJobs } from './jobs-waiting';
import { useNotificationsStore } from './notifications';
import { useSessionStore } from './session';
import type { LoadStatus } from './users';

/** A job as the Generate page shows it: the server's summary plus what only the live stream brings. */
export interface JobView extends JobSummary, LiveJob {
  /** The queued API prompt, when this browser queued it (names the running node). */
  workflow: Record<string, unknown> | null;
  isCancelling: boolean;
  /** Keys of results already kept in the gallery. */
  savedImages: string[];
}

const toView = (summary: JobSummary): JobView => ({
  ...summary,
  preview: null,
  workflow: null,
  warning: null,
  isCancelling: false,
  savedImages: [],
});

/**
 * The signed-in user's jobs, newest first. Loaded from the server, so the history survives reloads;
 * every job queued or running on a GPU is followed live (useJobStream), including right after a reload.
 * Jobs waiting in Atelier's queue are read from the list endpoint instead (jobs-waiting.ts).
 */
export const useJobsStore = defineStore('jobs', () => {
  const session = useSessionStore();
  const notifications = useNotificationsStore();
  const health = useComfyHealthStore();
  const jobs = ref<JobView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const nextCursor = ref<string | null>(null);
  const isLoadingMore = ref(false);
  /** One effect scope per followed job: its stream closes when the scope stops. */
  const streams = new Map<string, EffectScope>();

  const activeJobs = computed(() => jobs.value.filter((job) => !isTerminal(job.status)));
  const find = (promptId: string) => jobs.value.find((job) => job.prompt_id === promptId);

  function notifyCompletion(job: JobView): void {
    useJobNoticesStore().jobEnded(job);
    const count = job.images.length;
    if (job.status === 'succeeded')
      notifications.success({
        title: count === 1 ? 'Your image is ready' : `Your ${count} images are ready`,
      });
    else if (job.status === 'interrupted') notifications.info({ title: 'Generation cancelled' });
    else
      notifications.error({
        title: job.status === 'lost' ? 'The job was lost' : 'Generation failed',
        message: job.error?.message,
      });
  }

  function unfollow(promptId: string): void {
    streams.get(promptId)?.stop();
    streams.delete(promptId);
  }

  function unfollowAll(): void {
    for (const scope of streams.values()) scope.stop();
    streams.clear();
  }

  // Streams outlive the page that started them (a finished job still says so on the Gallery page).
  function follow(promptId: string): void {
    const job = find(promptId);
    if (!job || streams.has(promptId)) return;
    const scope = effectScope(true);
    streams.set(promptId, scope);
    scope.run(() =>
      useJobStream(promptId, {
        state: job,
        // The API warns on the stream when it loses ComfyUI (comfy.socket_down): the banner should not wait.
        onEvent: (event) => {
          if (event.event === 'warning') void health.refresh();
        },
        onFailure: (e) => health.noteFailure(e),
        onEnd: () => {
          unfollow(promptId);
          job.isCancelling = false;
          notifyCompletion(job);
          // The GPU seconds are in the summary, not on the stream.
          void waitingJobs.refreshSummaries();
        },
      }),
    );
  }

  /** Replaces a listed job with the server's copy but keeps what the stream already told us. */
  function upsert(summary: JobSummary): void {
    const known = find(summary.prompt_id);
    if (!known) jobs.value.push(toView(summary));
    // Nothing streams about a waiting job: the list is the news.
    else if (isTerminal(summary.status) || known.status === 'waiting') Object.assign(known, summary);
  }

  const waitingJobs = useWaitingJobs({
    jobs,
    add: (summary) => {
      upsert(summary);
      jobs.value.sort((a, b) => b.created_at.localeCompare(a.created_at));
    },
    follow: (promptId) => follow(promptId),
  });

  /** Follows the jobs on a GPU; polls for the waiting ones. */
  function track(): void {
    for (const job of activeJobs.value) if (job.status !== 'waiting') follow(job.prompt_id);
    waitingJobs.schedule();
  }

  /** Reads my waiting jobs now (after a move, a pause, a new job); never rejects. */
  async function refreshWaiting(): Promise<void> {
    try {
      await waitingJobs.refresh();
    } catch {
      // The poll tries again; positions shown stay the last known.
    }
    waitingJobs.schedule();
  }

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      const page = await comfyApi.jobs({ mine: true });
      for (const summary of page.items) upsert(summary);
      jobs.value.sort((a, b) => b.created_at.localeCompare(a.created_at));
      nextCursor.value = page.next_cursor;
      status.value = 'ready';
      track();
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value || isLoadingMore.value) return;
    isLoadingMore.value = true;
    try {
      const page = await comfyApi.jobs({ mine: true, cursor: nextCursor.value });
      for (const summary of page.items) upsert(summary);
      nextCursor.value = page.next_cursor;
      waitingJobs.schedule();
    } catch (e) {
      notifications.error({ title: 'Could not load older jobs', message: describeError(e) });
    } finally {
      isLoadingMore.value = false;
    }
  }

  /**
   * Adds a job this browser just queued and starts following it: by its stream once it is on a GPU, by the
   * waiting list while it waits in Atelier's queue (the answer does not say whether a GPU took it at once).
   */
  async function trackQueued(
    promptId: string,
    kind: JobSummary['kind'],
    params: Record<string, unknown> | null,
    workflow: Record<string, unknown> | null = null,
  ): Promise<void> {
    const owner = session.user ?? { id: 0, username: 'you' };
    jobs.value.unshift({
      ...toView({
        prompt_id: promptId,
        kind,
        status: 'waiting',
        owner: { id: owner.id, username: owner.username },
        created_at: new Date().toISOString(),
        started_at: null,
        finished_at: null,
        params,
        backend: null,
        waiting_position: null,
        gpu_seconds: null,
        retry_of: null,
        images: [],
        error: null,
      }),
      workflow,
    });
    await refreshWaiting();
  }

  /** Queues a txt2img job and follows it. Rejects with the ApiError (a 400 carries the field errors). */
  async function start(params: Txt2ImgParams): Promise<Txt2ImgResponse> {
    // One key for every attempt: the server queues the job once.
    const key = newIdempotencyKey();
    const answer = await callComfy('Could not start the generation', () => comfyApi.txt2img(params, key));
    await trackQueued(answer.prompt_id, 'txt2img', { ...params, seed: answer.seed }, answer.workflow);
    return answer;
  }

  /**
   * Runs a workflow template with knob values (POST /comfy/workflows/:name/run) and follows the job; `version`
   * runs an older saved version. Rejects with the ApiError (a 400 carries per-knob messages).
   */
  async function runTemplate(
    name: string,
    params: Record<string, unknown>,
    version?: string,
  ): Promise<ComfyWorkflowRunResponse> {
    const key = newIdempotencyKey();
    const body = version === undefined ? { params } : { params, version };
    const answer = await callComfy('Could not run the workflow', () => workflowsApi.run(name, body, key));
    // The ledger records a template run's params this way (JobSummary.params).
    await trackQueued(answer.prompt_id, 'workflow', { template: name, values: answer.params });
    return answer;
  }

  /** Queues a graph of the caller's own (API prompt or UI workflow, POST /comfy/queue) and follows it. */
  async function queueGraph(workflow: Record<string, unknown>): Promise<ComfyQueueResponse> {
    const key = newIdempotencyKey();
    const answer = await callComfy('Could not queue the workflow', () =>
      comfyApi.queue(workflow, undefined, key),
    );
    await trackQueued(answer.prompt_id, 'workflow', null);
    return answer;
  }

  /** Queues a failed, lost or cancelled job again as a new job linked to it (POST /comfy/jobs/:id/retry). */
  async function retry(promptId: string): Promise<string | null> {
    const old = find(promptId);
    try {
      const answer = await callComfy('Could not retry the job', () => queueApi.retry(promptId));
      if (!find(answer.prompt_id))
        jobs.value.unshift({
          ...toView({
            kind: old?.kind ?? 'workflow',
            owner: old?.owner ?? { id: session.user?.id ?? 0, username: session.user?.username ?? '' },
            params: old?.params ?? null,
            prompt_id: answer.prompt_id,
            status: answer.status,
            created_at: new Date().toISOString(),
            started_at: null,
            finished_at: null,
            backend: null,
            waiting_position: null,
            gpu_seconds: null,
            retry_of: answer.retry_of,
            images: [],
            error: null,
          }),
          workflow: old?.workflow ?? null,
        });
      if (answer.status === 'waiting') await refreshWaiting();
      else follow(answer.prompt_id);
      notifications.info({ title: 'Queued again', message: 'The retry runs as a new job.' });
      return answer.prompt_id;
    } catch {
      return null;
    }
  }

  async function cancel(promptId: string): Promise<void> {
    const job = find(promptId);
    if (!job || isTerminal(job.status)) return;
    job.isCancelling = true;
    try {
      const answer = await callComfy('Could not cancel the job', () => comfyApi.cancel(promptId));
      // A waiting job ends at once and has no stream to say so.
      if (job.status === 'waiting' && isTerminal(answer.status)) {
        settleJob(job, answer.status);
        job.waiting_position = null;
        job.isCancelling = false;
        notifyCompletion(job);
        void refreshWaiting();
      }
    } catch {
      job.isCancelling = false;
    }
  }

  /** Keeps the chosen results in the gallery (curators), with the job's recorded provenance. */
  async function saveToGallery(promptId: string, images: ComfyImageRef[]): Promise<IngestResponse[]> {
    const job = find(promptId);
    const answer = await callComfy('Could not save the images to the gallery', () =>
      comfyApi.ingestFromJob({ prompt_id: promptId, images }),
    );
    if (job) job.savedImages = [...new Set([...job.savedImages, ...images.map(imageKey)])];
    useGalleryStore().addIngested(answer.items.map((item) => item.image));
    const fresh = answer.items.filter((item) => !item.duplicate).length;
    notifications.success({
      title: images.length === 1 ? 'Saved to the gallery' : `Saved ${images.length} images to the gallery`,
      message: fresh < answer.items.length ? 'Some were already there and were not stored twice.' : undefined,
    });
    return answer.items;
  }

  /**
   * Keeps the chosen results as private images (any user, POST /api/gallery/keep): only the owner
   * and curators see them until a curator approves them.
   */
  async function keep(promptId: string, images: ComfyImageRef[]): Promise<IngestResponse[]> {
    const job = find(promptId);
    const answer = await callComfy('Could not keep the images', () =>
      galleryApi.keep({ prompt_id: promptId, images }),
    );
    if (job) job.savedImages = [...new Set([...job.savedImages, ...images.map(imageKey)])];
    useGalleryStore().addIngested(answer.items.map((item) => item.image));
    notifications.success({
      title: images.length === 1 ? 'Kept in your gallery' : `Kept ${images.length} images`,
      message: 'Private until a curator approves them: submit them for review from the gallery.',
    });
    return answer.items;
  }

  function reset(): void {
    unfollowAll();
    waitingJobs.dispose();
    jobs.value = [];
    nextCursor.value = null;
    status.value = 'idle';
  }

  onScopeDispose(() => {
    unfollowAll();
    waitingJobs.dispose();
  });

  // Another user signing in on this tab must not see the previous one's jobs.
  watch(
    () => session.user?.id,
    (now, before) => {
      if (now !== before) reset();
    },
  );

  return {
    jobs,
    activeJobs,
    status,
    error,
    nextCursor,
    isLoadingMore,
    load,
    loadMore,
    start,
    runTemplate,
    queueGraph,
    trackQueued,
    cancel,
    retry,
    refreshWaiting,
    touchOrder: waitingJobs.touchOrder,
    saveToGallery,
    keep,
    reset,
  };
});
