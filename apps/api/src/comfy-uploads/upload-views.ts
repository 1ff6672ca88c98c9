import type { ComfyUploadResponse } from '@atelier/contract';
import type { InputFile } from './uploads.repository.js';
import type { ComfyUploadEntity } from './upload.entity.js';

/** LoadImage's value for a file: `<subfolder>/<name>`, or the name at the top of the input folder. */
export function loadImageValue(file: InputFile): string {
  return file.subfolder ? `${file.subfolder}/${file.name}` : file.name;
}

/** The inverse of loadImageValue (the last `/` separates the subfolder). */
export function parseLoadImageValue(value: string): InputFile {
  const slash = value.lastIndexOf('/');
  return slash < 0
    ? { subfolder: '', name: value }
    : { subfolder: value.slice(0, slash), name: value.slice(slash + 1) };
}

/** Names we generate, so a job's inputs can be told apart from everything else in its graph. */
export const uploadNamePattern = /^atelier-[0-9a-f]{16}\.(?:png|jpg|webp)$/;

/** Ours, never the client's: the same bytes always get the same name. */
export function uploadNameOf(image: { sha256: string; ext: string }): string {
  return `atelier-${image.sha256.slice(0, 16)}.${image.ext}`;
}

export function toUploadResponse(upload: ComfyUploadEntity): ComfyUploadResponse {
  return {
    id: upload.id,
    name: upload.name,
    subfolder: upload.subfolder,
    type: 'input',
    image: loadImageValue(upload),
    kind: upload.kind,
    ephemeral: upload.ephemeral,
    mime: upload.mime,
    bytes: upload.bytes,
    width: upload.width,
    height: upload.height,
    sha256: upload.sha256,
  };
}
