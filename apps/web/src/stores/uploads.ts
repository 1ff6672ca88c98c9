import type { ComfyUploadResponse } from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/http';
import { uploadInput, type UploadInputOptions } from '../api/uploads';
import { callComfy } from './comfy-call';
import { describeError } from './errors';

export type UploadStatus = 'uploading' | 'done' | 'error';

/** One upload slot's state: a widget (or the mask editor) watches its own key. */
export interface UploadTask {
  status: UploadStatus;
  /** 0–1 of the bytes sent. */
  progress: number;
  /** A sentence for people when it failed. */
  error: string | null;
}

export interface UploadOptions extends Pick<UploadInputOptions, 'kind' | 'ephemeral' | 'filename'> {
  /** The slot: a new upload under the same key cancels the one before (default `default`). */
  key?: string;
}

/** The words for a refused upload: the server's per-file message when it gave one. */
export function uploadErrorText(error: unknown): string {
  if (error instanceof ApiError) {
    const messages = [...(error.fieldErrors.image ?? []), ...(error.fieldErrors.file ?? [])];
    if (messages.length > 0) return messages.join(' ');
  }
  return describeError(error);
}

/**
 * Input images on their way to ComfyUI's input folder (POST /api/comfy/upload), each under a key with its
 * progress, status and error. Failures are toasted and retried like every ComfyUI call (callComfy), except
 * refusals of the file itself (400), which the widget shows beside it.
 */
export const useUploadsStore = defineStore('uploads', () => {
  const tasks = ref<Record<string, UploadTask>>({});
  const controllers = new Map<string, AbortController>();
  const isUploading = computed(() => Object.values(tasks.value).some((t) => t.status === 'uploading'));

  function taskOf(key: string): UploadTask | null {
    return tasks.value[key] ?? null;
  }

  /** Stops the slot's upload, if one is under way, and forgets its state. */
  function cancel(key: string): void {
    controllers.get(key)?.abort();
    controllers.delete(key);
    const { [key]: _gone, ...rest } = tasks.value;
    tasks.value = rest;
  }

  async function upload(
    blob: Blob,
    { key = 'default', ...options }: UploadOptions = {},
  ): Promise<ComfyUploadResponse> {
    cancel(key);
    const controller = new AbortController();
    controllers.set(key, controller);
    tasks.value = { ...tasks.value, [key]: { status: 'uploading', progress: 0, error: null } };
    const task = () => tasks.value[key];
    try {
      const answer = await callComfy(
        'Could not upload the image',
        () =>
          uploadInput(blob, {
            ...options,
            signal: controller.signal,
            onProgress: ({ loaded, total }) => {
              const current = task();
              if (current && total > 0) current.progress = Math.min(1, loaded / total);
            },
          }),
        { signal: controller.signal },
      );
      tasks.value = { ...tasks.value, [key]: { status: 'done', progress: 1, error: null } };
      return answer;
    } catch (error) {
      if (!controller.signal.aborted)
        tasks.value = {
          ...tasks.value,
          [key]: { status: 'error', progress: 0, error: uploadErrorText(error) },
        };
      throw error;
    } finally {
      if (controllers.get(key) === controller) controllers.delete(key);
    }
  }

  return { tasks, isUploading, taskOf, upload, cancel };
});
