import { comfyUploadMimes, type ComfyImageRef, type ComfyUploadResponse } from '@atelier/contract';

/** The `accept` of the file picker: the types POST /api/comfy/upload takes (it sniffs the bytes itself). */
export const inputImageAccept = comfyUploadMimes.join(',');

/** The server's default upload cap (ATELIER_UPLOAD_MAX_BYTES); checked here first so a huge file is not sent. */
export const inputImageMaxBytes = 25 * 1024 * 1024;

const typeNames: Record<string, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP' };

/**
 * Why a file cannot be an input image, or null when it may be sent. An empty type (some drops and pastes
 * carry none) is left to the server, which sniffs the bytes.
 */
export function inputFileProblem(file: { type: string; size: number }): string | null {
  if (file.type !== '' && !(comfyUploadMimes as readonly string[]).includes(file.type))
    return 'Choose a PNG, JPEG or WebP image.';
  if (file.size > inputImageMaxBytes) return 'That image is over 25 MiB.';
  if (file.size === 0) return 'That file is empty.';
  return null;
}

/** The first image file of a drop or a paste (a copied image comes as a file item), or null. */
export function imageFileOf(data: DataTransfer | null): File | null {
  if (!data) return null;
  for (const file of Array.from(data.files)) if (file.type.startsWith('image/')) return file;
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== 'file' || !item.type.startsWith('image/')) continue;
    const file = item.getAsFile();
    if (file) return file;
  }
  return null;
}

/** Whether a drag carries files at all (drop zones light up only for those, not for dragged text). */
export function dragHasFiles(data: DataTransfer | null): boolean {
  return Array.from(data?.types ?? []).includes('Files');
}

/** A file name for bytes that have none (a paste, a fetched result): the server picks its own anyway. */
export function inputFileName(blob: Blob, base = 'input'): string {
  const ext = blob.type === 'image/jpeg' ? 'jpg' : blob.type === 'image/webp' ? 'webp' : 'png';
  return `${base}.${ext}`;
}

/** Where an uploaded input is shown from: GET /api/comfy/view?type=input (the uploader may read it). */
export function inputImageRef(upload: Pick<ComfyUploadResponse, 'name' | 'subfolder'>): ComfyImageRef {
  return { filename: upload.name, subfolder: upload.subfolder, type: 'input' };
}

/** "1024 × 768 · PNG" */
export function describeInput(upload: Pick<ComfyUploadResponse, 'width' | 'height' | 'mime'>): string {
  return `${upload.width} × ${upload.height} · ${typeNames[upload.mime] ?? upload.mime}`;
}

/** A stored draft's upload, checked field by field (localStorage is anyone's to edit); null when it is not one. */
export function asUpload(value: unknown): ComfyUploadResponse | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const strings = ['name', 'subfolder', 'image', 'kind', 'mime', 'sha256'] as const;
  const numbers = ['id', 'bytes', 'width', 'height'] as const;
  if (!strings.every((key) => typeof v[key] === 'string')) return null;
  if (!numbers.every((key) => typeof v[key] === 'number' && Number.isFinite(v[key]))) return null;
  return value as ComfyUploadResponse;
}
