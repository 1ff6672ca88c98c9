import type { ComfyUploadKind, ComfyUploadResponse } from '@atelier/contract';
import { computed, onScopeDispose, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { inputFileName, inputFileProblem } from '../domain/input-image';
import { useUploadsStore } from '../stores/uploads';

export interface InputUploadOptions {
  kind: MaybeRefOrGetter<ComfyUploadKind>;
  ephemeral: MaybeRefOrGetter<boolean>;
  /** Called with each stored upload (the widget's model). */
  onUploaded: (upload: ComfyUploadResponse) => void;
}

/**
 * One upload slot of an image widget: the bytes checked, shown at once (`preview`, an object URL) and sent
 * through the uploads store under the slot's own key (`progress`, `isUploading`); `error` says why not.
 * A newer file replaces one still on its way; leaving cancels it.
 */
export function useInputUpload(key: string, { kind, ephemeral, onUploaded }: InputUploadOptions) {
  const uploads = useUploadsStore();
  const task = computed(() => uploads.taskOf(key));
  const isUploading = computed(() => task.value?.status === 'uploading');
  const progress = computed(() => task.value?.progress ?? 0);
  const error = ref<string | null>(null);
  const preview = ref<string | null>(null);
  let attempts = 0;

  function showPreview(blob: Blob | null): void {
    if (preview.value) URL.revokeObjectURL(preview.value);
    preview.value = blob ? URL.createObjectURL(blob) : null;
  }

  /** The stored upload, or null when refused (then `error` says why) or replaced. */
  async function send(blob: Blob, name?: string): Promise<ComfyUploadResponse | null> {
    error.value = inputFileProblem(blob);
    if (error.value) return null;
    const attempt = ++attempts;
    showPreview(blob);
    try {
      const filename = name ?? (blob instanceof File ? blob.name : inputFileName(blob));
      const upload = await uploads.upload(blob, {
        key,
        kind: toValue(kind),
        ephemeral: toValue(ephemeral),
        filename,
      });
      onUploaded(upload);
      return upload;
    } catch (e) {
      const isAbort = e instanceof DOMException && e.name === 'AbortError';
      if (!isAbort && attempt === attempts) error.value = uploads.taskOf(key)?.error ?? 'The upload failed.';
      return null;
    } finally {
      if (attempt === attempts) showPreview(null);
    }
  }

  /** Stops what is on its way and clears the slot. */
  function reset(): void {
    attempts++;
    uploads.cancel(key);
    showPreview(null);
    error.value = null;
  }

  onScopeDispose(reset);

  return { isUploading, progress, error, preview, send, reset };
}
