/** POST /api/comfy/upload: input images (img2img sources, inpainting masks) sent to ComfyUI's input folder. */

export const comfyUploadKinds = ['image', 'mask'] as const;
export type ComfyUploadKind = (typeof comfyUploadKinds)[number];

/** Only these are accepted (sniffed from the bytes, never from the file name). */
export const comfyUploadMimes = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ComfyUploadMime = (typeof comfyUploadMimes)[number];

/**
 * A subfolder of ComfyUI's input folder: up to 3 segments of letters, digits, `_` and `-`, separated by `/`
 * (relative, no `..`, no backslash). Empty means the input folder itself.
 */
export const comfyUploadSubfolderPattern = '^[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,64}){0,2}$';

/** Multipart fields besides the file part `image`. */
export interface ComfyUploadFields {
  subfolder?: string;
  kind?: ComfyUploadKind;
  /** `true`: deleted when the first job that uses it finishes, or when Atelier shuts down. */
  ephemeral?: 'true' | 'false' | '1' | '0';
}

export interface ComfyUploadResponse {
  id: number;
  /** The file name Atelier chose (`atelier-<sha256 prefix>.<ext>`), never the client's. */
  name: string;
  subfolder: string;
  type: 'input';
  /** The value for LoadImage's `image` input (and txt2img's `image` / `mask`): `<subfolder>/<name>` or `<name>`. */
  image: string;
  kind: ComfyUploadKind;
  ephemeral: boolean;
  mime: ComfyUploadMime;
  bytes: number;
  width: number;
  height: number;
  sha256: string;
}
