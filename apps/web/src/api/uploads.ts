import { isErrorBody, type ComfyUploadKind, type ComfyUploadResponse } from '@atelier/contract';
import { appConfig } from '../config';
import { ApiError, http, parseRetryAfter } from './http';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadInputOptions {
  /** `image` (default) or `mask`: only recorded by the server. */
  kind?: ComfyUploadKind;
  /** Deleted once the first job that uses it ends (a painted mask); never for an input image, which re-runs reuse. */
  ephemeral?: boolean;
  /** The part's file name; the server names the file after its bytes anyway. */
  filename?: string;
  /** A folder under ComfyUI's input folder (the server's default: `atelier`). */
  subfolder?: string;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

function uploadForm(file: Blob, { kind, ephemeral, filename, subfolder }: UploadInputOptions): FormData {
  const form = new FormData();
  // The part is `image` (ComfyUI's own name for it), not `file`.
  const name = filename ?? (file instanceof File ? file.name : 'input.png');
  form.append(
    'image',
    file instanceof File && !filename ? file : new File([file], name, { type: file.type }),
    name,
  );
  if (subfolder !== undefined) form.append('subfolder', subfolder);
  if (kind) form.append('kind', kind);
  if (ephemeral) form.append('ephemeral', 'true');
  return form;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The same ApiError http.ts makes of a failed fetch, out of a finished XHR. */
function toApiError(xhr: XMLHttpRequest): ApiError {
  const body = parse(xhr.responseText);
  const retryAfter = parseRetryAfter(xhr.getResponseHeader('retry-after'));
  if (isErrorBody(body)) return new ApiError(xhr.status, body.code, body.message, body.details, retryAfter);
  return new ApiError(
    xhr.status,
    'unexpected_response',
    `The server answered ${xhr.status}.`,
    body,
    retryAfter,
  );
}

// XHR rather than fetch: fetch reports no upload progress.
function send(form: FormData, { onProgress, signal }: UploadInputOptions): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const aborted = () => new DOMException('The upload was cancelled.', 'AbortError');
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const xhr = new XMLHttpRequest();
    const stop = () => xhr.abort();
    signal?.addEventListener('abort', stop, { once: true });
    const settle = () => signal?.removeEventListener('abort', stop);
    xhr.open('POST', `${appConfig.apiBaseUrl}/comfy/upload`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.({ loaded: event.loaded, total: event.total });
    };
    xhr.onload = () => {
      settle();
      resolve(xhr);
    };
    xhr.onerror = () => {
      settle();
      reject(new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.'));
    };
    xhr.onabort = () => {
      settle();
      reject(aborted());
    };
    xhr.send(form);
  });
}

/**
 * POST /api/comfy/upload with upload progress. Failures reject with ApiError like every call of http.ts
 * (an abort with the DOMException AbortError); a 401 refreshes the session once, through http.ts's own
 * refresh so the rotating cookie is used once, and is sent again.
 */
export async function uploadInput(
  file: Blob,
  options: UploadInputOptions = {},
): Promise<ComfyUploadResponse> {
  const form = uploadForm(file, options);
  let xhr = await send(form, options);
  if (xhr.status === 401) {
    if (await http.refreshSession()) xhr = await send(form, options);
    if (xhr.status === 401) http.reportUnauthenticated();
  }
  if (xhr.status < 200 || xhr.status >= 300) throw toApiError(xhr);
  return parse(xhr.responseText) as ComfyUploadResponse;
}
