import type { JobSummary } from '@atelier/contract';
import type { Ref } from 'vue';
import { comfyApi } from '../api/comfy';
import { queueApi } from '../api/queue';

/** How often my waiting jobs are read again while there are any. */
export const waitingPollMs = 2000;

interface WaitingJob {
  prompt_id: string;
  status: JobSummary['status'];
  waiting_position: number | null;
  backend: JobSummary['backend'];
  gpu_seconds: number | null;
  retry_of: string | null;
}

export interface WaitingJobsOptions<J extends WaitingJob> {
  jobs: Ref<J[]>;
  /** Adds a job the list names that this tab does not know (queued elsewhere: another tab, a sweep). */
  add: (summary: JobSummary) => void;
  /** Starts the live stream of a job that left the waiting list (dispatched, cancelled elsewhere…). */
  follow: (promptId: string) => void;
}

/**
 * Waiting jobs are read from the list endpoint, never followed by a stream each: the API allows a user
 * 32 streams, and a queue can hold more waiting jobs than that. A job that leaves the list gets its stream
 * (the stream's first event says where it went); what only summaries carry (the backend, GPU seconds) is
 * read from the first page of my jobs when that happens and when a job ends.
 */
export function useWaitingJobs<J extends WaitingJob>({ jobs, add, follow }: WaitingJobsOptions<J>) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let isStopped = false;
  let summaries: Promise<void> | null = null;
  let summariesAgain = false;
  /** Bumped by every local reorder: a list read before it is out of date when it arrives. */
  let orderVersion = 0;

  const waitingNow = () => jobs.value.filter((job) => job.status === 'waiting');

  async function refresh(): Promise<void> {
    const version = orderVersion;
    const page = await queueApi.waiting();
    // A move made while this was read: its own refresh follows; this one would undo it on screen.
    if (version !== orderVersion) return;
    const listed = new Map(page.items.map((item) => [item.prompt_id, item]));
    for (const item of page.items) {
      const known = jobs.value.find((job) => job.prompt_id === item.prompt_id);
      if (!known) add(item);
      else if (known.status === 'waiting') known.waiting_position = item.waiting_position;
    }
    // One page holds my first 100 waiting jobs: a job missing from a full page may simply wait further
    // back. Only one whose known place was within the page (or was never known, on a short list) left.
    const isTruncated = page.next_cursor !== null;
    const left = waitingNow().filter(
      (job) =>
        !listed.has(job.prompt_id) &&
        (!isTruncated || (job.waiting_position !== null && job.waiting_position <= page.items.length)),
    );
    for (const job of left) {
      // Most likely a GPU took it; the stream's first event says for sure (or that it ended).
      job.status = 'queued';
      job.waiting_position = null;
      follow(job.prompt_id);
    }
    if (left.length > 0) void refreshSummaries();
  }

  /** Copies the backend, GPU seconds and retry link of the newest jobs onto the ones shown (one call at a time). */
  function refreshSummaries(): Promise<void> {
    if (summaries) {
      summariesAgain = true;
      return summaries;
    }
    summaries = (async () => {
      do {
        summariesAgain = false;
        const page = await comfyApi.jobs({ mine: true });
        for (const item of page.items) {
          const known = jobs.value.find((job) => job.prompt_id === item.prompt_id);
          if (!known) continue;
          known.backend = item.backend;
          known.retry_of = item.retry_of;
          if (item.gpu_seconds !== null) known.gpu_seconds = item.gpu_seconds;
        }
      } while (summariesAgain);
    })()
      .catch(() => undefined)
      .finally(() => {
        summaries = null;
      });
    return summaries;
  }

  /** Says the order shown was just changed here (a move), so lists read before now are stale. */
  function touchOrder(): void {
    orderVersion++;
  }

  function stop(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  /** Reads the waiting list again in a moment, and keeps doing so while any job of mine waits. */
  function schedule(delayMs = waitingPollMs): void {
    stop();
    isStopped = false;
    if (waitingNow().length === 0) return;
    timer = setTimeout(() => {
      timer = null;
      refresh()
        // A failed read (ComfyUI switched off, the network) keeps the last positions; the next one may work.
        .catch(() => undefined)
        .finally(() => {
          if (!isStopped && timer === null) schedule();
        });
    }, delayMs);
  }

  function dispose(): void {
    isStopped = true;
    stop();
  }

  return { refresh, refreshSummaries, schedule, dispose, touchOrder };
}
