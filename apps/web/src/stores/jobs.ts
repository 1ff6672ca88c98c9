import {
  terminalJobStatuses,
  type ComfyImageRef,
  type ComfyStreamEvent,
  type IngestResponse,
  type JobStatus,
  type JobSummary,
  type Txt2ImgParams,
  type Txt2ImgResponse,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, getCurrentScope, ref, watch } from 'vue';
import { comfyApi } from '../api/comfy';
import { ApiError } from '../api/http';
import { mergeImages, useComfy, type Unsubscribe } from '../composables/useComfy';
import type { ComfyStatus } from '../types/comfy';
import { describeError } from './errors';
import { useGalleryStore } from './gallery';
import { useNotificationsStore } from './notifications';
import { useSessionStore } from './session';
import type { LoadStatus } from './users';

/** A job as the Generate page shows it: the server's summary plus what only the live stream brings. */
export interface JobView extends JobSummary {
  /** Latest sampler preview (a data: URL), while running. */
  preview: string | null;
  /** The queued API prompt, when this browser queued it (names the running node). */
  workflow: Record<string, unknown> | null;
  warning: string | null;
  isCancelling: boolean;
  /** Keys of results already kept in the gallery. */
  savedImages: string[];
}

export const isTerminal = (status: JobStatus) => terminalJobStatuses.includes(status);
export const imageKey = (image: ComfyImageRef) => `${image.type}/${image.subfolder}/${image.filename}`;

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
 * every job still queued or running is followed live, including right after a reload.
 */
export const useJobsStore = defineStore('jobs', () => {
  const comfy = useComfy();
  const session = useSessionStore();
  const notifications = useNotificationsStore();
  // Streams opened by actions belong to the store's scope and close with it.
  const scope = getCurrentScope();
  const jobs = ref<JobView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const nextCursor = ref<string | null>(null);
  const isLoadingMore = ref(false);
  const subscriptions = new Map<string, Unsubscribe>();

  const activeJobs = computed(() => jobs.value.filter((job) => !isTerminal(job.status)));
  const find = (promptId: string) => jobs.value.find((job) => job.prompt_id === promptId);

  function onEvent(event: ComfyStreamEvent): void {
    const job = find(event.data.prompt_id);
    if (!job) return;
    const now = new Date().toISOString();
    switch (event.event) {
      case 'status':
        job.status = event.data.status;
        job.queue_position = event.data.queue_position;
        if (event.data.progress) job.progress = event.data.progress;
        if (event.data.images) job.images = mergeImages(job.images, event.data.images);
        if (event.data.error) job.error = event.data.error;
        if (job.status === 'running') job.started_at ??= now;
        break;
      case 'progress':
        if (job.status === 'queued') job.status = 'running';
        job.started_at ??= now;
        job.queue_position = undefined;
        job.progress = { value: event.data.value, max: event.data.max, node: event.data.node };
        break;
      case 'preview':
        job.preview = event.data.data_url;
        break;
      case 'images':
        job.images = mergeImages(job.images, event.data.images);
        break;
      case 'warning':
        job.warning = event.data.message;
        break;
      case 'error':
        job.error = { ...event.data };
        break;
      case 'done':
        job.status = event.data.status;
        break;
    }
  }

  function onComplete(final: ComfyStatus): void {
    subscriptions.delete(final.prompt_id);
    const job = find(final.prompt_id);
    if (!job) return;
    job.status = final.status;
    job.images = mergeImages(job.images, final.images ?? []);
    job.finished_at ??= new Date().toISOString();
    job.queue_position = undefined;
    job.isCancelling = false;
    if (job.images.length > 0) job.preview = null;
  }

  function follow(promptId: string): void {
    if (subscriptions.has(promptId)) return;
    const subscribe = () => comfy.subscribeToStatus(promptId, onEvent, onComplete);
    const stop = scope ? scope.run(subscribe) : subscribe();
    if (stop) subscriptions.set(promptId, stop);
  }

  /** Replaces a listed job with the server's copy but keeps what the stream already told us. */
  function upsert(summary: JobSummary): void {
    const known = find(summary.prompt_id);
    if (!known) jobs.value.push(toView(summary));
    else if (isTerminal(summary.status)) Object.assign(known, summary);
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
      for (const job of activeJobs.value) follow(job.prompt_id);
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
    } catch (e) {
      notifications.error({ title: 'Could not load older jobs', message: describeError(e) });
    } finally {
      isLoadingMore.value = false;
    }
  }

  /** Queues a txt2img job and starts following it. Rejects like useComfy().txt2img. */
  async function start(params: Txt2ImgParams): Promise<Txt2ImgResponse> {
    const answer = await comfy.txt2img(params);
    const owner = session.user ?? { id: 0, username: 'you' };
    jobs.value.unshift({
      ...toView({
        prompt_id: answer.prompt_id,
        kind: 'txt2img',
        status: 'queued',
        owner: { id: owner.id, username: owner.username },
        created_at: new Date().toISOString(),
        started_at: null,
        finished_at: null,
        params: { ...params, seed: answer.seed },
        images: [],
        error: null,
      }),
      workflow: answer.workflow,
    });
    follow(answer.prompt_id);
    return answer;
  }

  async function cancel(promptId: string): Promise<void> {
    const job = find(promptId);
    if (!job || isTerminal(job.status)) return;
    job.isCancelling = true;
    try {
      await comfy.cancel(promptId);
    } catch {
      job.isCancelling = false;
    }
  }

  /** Keeps the chosen results in the gallery (curators), with the job's recorded provenance. */
  async function saveToGallery(promptId: string, images: ComfyImageRef[]): Promise<IngestResponse[]> {
    const job = find(promptId);
    const answer = await comfy.ingestFromJob(promptId, images);
    if (job) job.savedImages = [...new Set([...job.savedImages, ...images.map(imageKey)])];
    useGalleryStore().addIngested(answer.items.map((item) => item.image));
    const fresh = answer.items.filter((item) => !item.duplicate).length;
    notifications.success({
      title: images.length === 1 ? 'Saved to the gallery' : `Saved ${images.length} images to the gallery`,
      message: fresh < answer.items.length ? 'Some were already there and were not stored twice.' : undefined,
    });
    return answer.items;
  }

  function reset(): void {
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
    jobs.value = [];
    nextCursor.value = null;
    status.value = 'idle';
  }

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
    cancel,
    saveToGallery,
    reset,
  };
});
