import {
  comfyStreamEventNames,
  terminalJobStatuses,
  type ComfyImageRef,
  type ComfyObjectInfoResponse,
  type ComfyPresetListResponse,
  type ComfyQueueResponse,
  type ComfyStreamEvent,
  type IngestFromJobResponse,
  type IngestResponse,
  type JobStatus,
} from '@atelier/contract';
import { getCurrentScope, onScopeDispose } from 'vue';
import { comfyApi, comfyStreamUrl, newIdempotencyKey } from '../api/comfy';
import { ApiError } from '../api/http';
import { withRetry, type RetryEvent, type RetryPolicy } from '../api/retry';
import { useComfyHealthStore } from '../stores/comfy-health';
import { describeError } from '../stores/errors';
import { useNotificationsStore } from '../stores/notifications';
import type { ComfyStatus, ComfyText2ImgResponse, ComfyWorkflow, Text2ImgParams } from '../types/comfy';

/** The part of EventSource this composable uses (the browser's, or a Node polyfill in tests). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: Event) => void): void;
  close(): void;
}

export interface UseComfyOptions {
  /** Opens the stream; tests point it at a real SSE server. */
  openEventSource?: (url: string) => EventSourceLike;
  retry?: Partial<RetryPolicy>;
  /** Jitter source for the backoff (tests pin it). */
  random?: () => number;
  /** Reconnect delays of a stream the server refused (ms): base, doubling up to max. */
  streamReconnect?: { baseMs: number; maxMs: number };
  /** Toast when a watched job ends (default true). */
  notifyOnComplete?: boolean;
}

export type StreamEventHandler = (event: ComfyStreamEvent) => void;
export type CompleteHandler = (status: ComfyStatus) => void;
export type Unsubscribe = () => void;

export interface IngestInput {
  prompt_id: string;
  /** The bytes to keep; or `image`, one of the job's results, fetched through the API. */
  file?: Blob;
  image?: ComfyImageRef;
  filename?: string;
  workflow?: ComfyWorkflow | null;
  metadata?: Record<string, unknown>;
}

const CLOSED = 2;

const imageKey = (image: ComfyImageRef) => `${image.type}/${image.subfolder}/${image.filename}`;

/** Appends images not already listed (each output node reports its own; a resumed stream may repeat). */
export function mergeImages(
  known: readonly ComfyImageRef[],
  added: readonly ComfyImageRef[],
): ComfyImageRef[] {
  const keys = new Set(known.map(imageKey));
  return [...known, ...added.filter((image) => !keys.has(imageKey(image)))];
}
const isTerminal = (status: JobStatus) => terminalJobStatuses.includes(status);

function retryTitle({ error, delayMs, attempt, maxAttempts }: RetryEvent): string {
  const what =
    error.status === 429 || error.status === 503
      ? 'ComfyUI is busy'
      : error.status === 504
        ? 'ComfyUI is slow to answer'
        : 'ComfyUI is unreachable';
  return `${what} — retrying in ${Math.max(1, Math.round(delayMs / 1000))} s (attempt ${attempt}/${maxAttempts})`;
}

/**
 * ComfyUI through the Atelier API: queueing with retries, live job status over Server-Sent Events,
 * images, ingest into the gallery and the server's node catalogue. Every retry and every final failure
 * is told to the user as a toast; validation errors (400) are left to the form that sent them.
 */
export function useComfy(options: UseComfyOptions = {}) {
  const notifications = useNotificationsStore();
  const health = useComfyHealthStore();
  const openEventSource =
    options.openEventSource ?? ((url: string) => new EventSource(url, { withCredentials: true }));
  const reconnect = options.streamReconnect ?? { baseMs: 1000, maxMs: 15_000 };

  async function retrying<T>(
    failureTitle: string,
    task: () => Promise<T>,
    { signal, quietWhenDisabled = false }: { signal?: AbortSignal; quietWhenDisabled?: boolean } = {},
  ): Promise<T> {
    let retryToast: number | null = null;
    const clearRetryToast = () => {
      if (retryToast !== null) notifications.dismiss(retryToast);
      retryToast = null;
    };
    try {
      return await withRetry(task, {
        policy: options.retry,
        random: options.random,
        signal,
        onRetry: (event) => {
          health.noteFailure(event.error);
          clearRetryToast();
          retryToast = notifications.warning({ title: retryTitle(event), message: event.error.message });
        },
      });
    } catch (error) {
      health.noteFailure(error);
      const isFieldError = error instanceof ApiError && error.code === 'validation_failed';
      const isAbort = error instanceof DOMException && error.name === 'AbortError';
      // "Switched off" has its own banner; reads that merely fill the page need no toast on top.
      const isQuiet = quietWhenDisabled && error instanceof ApiError && error.code === 'comfy.disabled';
      if (!isFieldError && !isAbort && !isQuiet)
        notifications.error({ title: failureTitle, message: describeError(error) });
      throw error;
    } finally {
      clearRetryToast();
    }
  }

  /** Queues an API-format workflow (or a UI workflow the server converts). */
  function queue(workflow: ComfyWorkflow, clientId?: string): Promise<ComfyQueueResponse> {
    const key = newIdempotencyKey();
    return retrying('Could not queue the workflow', () => comfyApi.queue(workflow, clientId, key));
  }

  /** Builds and queues a text-to-image job; resolves with the prompt id and the seed used. */
  function txt2img(params: Text2ImgParams): Promise<ComfyText2ImgResponse> {
    const key = newIdempotencyKey();
    return retrying('Could not start the generation', () => comfyApi.txt2img(params, key));
  }

  /** The bytes of an image ComfyUI produced. */
  function fetchImage(image: ComfyImageRef, signal?: AbortSignal): Promise<Blob> {
    return retrying('Could not load the image', () => comfyApi.view(image, signal), { signal });
  }

  function cancel(promptId: string): Promise<unknown> {
    return retrying('Could not cancel the job', () => comfyApi.cancel(promptId));
  }

  function getComfyInfo({ refresh = false }: { refresh?: boolean } = {}): Promise<ComfyObjectInfoResponse> {
    return retrying('Could not read the ComfyUI node list', () => comfyApi.objectInfo(refresh), {
      quietWhenDisabled: !refresh,
    });
  }

  /** Keeps an image in the gallery: multipart upload of the bytes with where they came from. */
  async function ingest(input: IngestInput): Promise<IngestResponse> {
    const file = input.file ?? (input.image ? await fetchImage(input.image) : null);
    if (!file) throw new TypeError('ingest needs a file or one of the job’s images');
    const form = new FormData();
    const name = input.filename ?? input.image?.filename ?? 'image.png';
    form.append('file', file instanceof File ? file : new File([file], name, { type: file.type }), name);
    form.append('prompt_id', input.prompt_id);
    form.append('workflow', JSON.stringify(input.workflow ?? {}));
    form.append('metadata', JSON.stringify(input.metadata ?? {}));
    return retrying('Could not save the image to the gallery', () => comfyApi.ingest(form));
  }

  /** Keeps a finished job's results (all, or the chosen ones) with the job's recorded provenance. */
  function ingestFromJob(promptId: string, images?: ComfyImageRef[]): Promise<IngestFromJobResponse> {
    return retrying('Could not save the images to the gallery', () =>
      comfyApi.ingestFromJob({ prompt_id: promptId, images }),
    );
  }

  function subscribeToStatus(promptId: string, onComplete: CompleteHandler): Unsubscribe;
  function subscribeToStatus(
    promptId: string,
    onEvent: StreamEventHandler,
    onComplete: CompleteHandler,
  ): Unsubscribe;
  /**
   * Follows one job live. The browser's EventSource resumes a dropped stream with Last-Event-ID; when
   * the server refuses the stream instead (a restart, an expired session), the job's status is read to
   * reconcile and a new stream is opened after a backoff. Events already seen are never delivered twice.
   * Closes after `done`, on unsubscribe, and when the calling effect scope is disposed.
   */
  function subscribeToStatus(
    promptId: string,
    eventOrComplete: StreamEventHandler | CompleteHandler,
    maybeComplete?: CompleteHandler,
  ): Unsubscribe {
    const onEvent = maybeComplete ? (eventOrComplete as StreamEventHandler) : null;
    const onComplete = maybeComplete ?? (eventOrComplete as CompleteHandler);
    const current: ComfyStatus = { prompt_id: promptId, status: 'queued' };
    const seen = new Set<string>();
    let lastEventId: string | null = null;
    let source: EventSourceLike | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let failures = 0;
    let isClosed = false;

    function close(): void {
      isClosed = true;
      source?.close();
      source = null;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
    }

    function complete(status: JobStatus): void {
      if (isClosed) return;
      close();
      current.status = status;
      if (options.notifyOnComplete !== false) notifyCompletion(current);
      onComplete({ ...current });
    }

    function apply(event: ComfyStreamEvent): void {
      switch (event.event) {
        case 'status':
          Object.assign(current, event.data);
          break;
        case 'progress':
          current.progress = { value: event.data.value, max: event.data.max, node: event.data.node };
          break;
        case 'images':
          current.images = mergeImages(current.images ?? [], event.data.images);
          break;
        case 'error':
          current.error = { ...event.data };
          break;
        default:
          break;
      }
    }

    function receive(name: ComfyStreamEvent['event'], raw: Event): void {
      // EventSource reports its own connection errors as plain `error` events, without data.
      const message = raw as MessageEvent<unknown>;
      if (isClosed || typeof message.data !== 'string') return;
      const id = message.lastEventId || null;
      if (id !== null) {
        if (seen.has(id)) return;
        seen.add(id);
        lastEventId = id;
      }
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      const event = { event: name, id: id ?? '', data } as ComfyStreamEvent;
      // The API warns on the stream when it loses ComfyUI (comfy.socket_down): the banner should not wait.
      if (event.event === 'warning') void health.refresh();
      apply(event);
      onEvent?.(event);
      if (event.event === 'done') complete(event.data.status);
    }

    function open(): void {
      const base = comfyStreamUrl(promptId);
      // A fresh EventSource cannot set Last-Event-ID itself; the query carries it instead.
      const url = lastEventId ? `${base}?lastEventId=${encodeURIComponent(lastEventId)}` : base;
      const stream = openEventSource(url);
      source = stream;
      for (const name of comfyStreamEventNames) stream.addEventListener(name, (raw) => receive(name, raw));
      stream.addEventListener('open', () => {
        failures = 0;
      });
      stream.addEventListener('error', (raw) => {
        if (isClosed || source !== stream || typeof (raw as MessageEvent).data === 'string') return;
        if (stream.readyState === CLOSED) void recover();
      });
    }

    // The server refused the stream: ask for the status (this also refreshes an expired session).
    async function recover(): Promise<void> {
      source = null;
      try {
        const status = await comfyApi.status(promptId);
        if (isClosed) return;
        Object.assign(current, status);
        if (isTerminal(status.status)) return complete(status.status);
      } catch (error) {
        if (isClosed) return;
        if (error instanceof ApiError && (error.status === 404 || error.code === 'comfy.job_not_found'))
          return complete('lost');
        health.noteFailure(error);
      }
      const delay = Math.min(reconnect.maxMs, reconnect.baseMs * 2 ** failures++);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (!isClosed) open();
      }, delay);
    }

    open();
    if (getCurrentScope()) onScopeDispose(close);
    return close;
  }

  function notifyCompletion(status: ComfyStatus): void {
    const count = status.images?.length ?? 0;
    if (status.status === 'succeeded')
      notifications.success({
        title: count === 1 ? 'Your image is ready' : `Your ${count} images are ready`,
      });
    else if (status.status === 'interrupted') notifications.info({ title: 'Generation cancelled' });
    else
      notifications.error({
        title: status.status === 'lost' ? 'The job was lost' : 'Generation failed',
        message: status.error?.message,
      });
  }

  /** The server's txt2img presets (config/comfy/presets) and the parameters each takes. */
  function getPresets(): Promise<ComfyPresetListResponse> {
    return retrying('Could not read the workflow presets', () => comfyApi.presets(), {
      quietWhenDisabled: true,
    });
  }

  return {
    queue,
    txt2img,
    subscribeToStatus,
    fetchImage,
    cancel,
    getComfyInfo,
    getPresets,
    ingest,
    ingestFromJob,
  };
}

export type UseComfy = ReturnType<typeof useComfy>;
