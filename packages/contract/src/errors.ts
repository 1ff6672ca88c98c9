/**
 * Every error the API answers has this body. The code is the stable, machine-readable part;
 * `message` is for people; `details` carries per-field or per-node information.
 */
export const errorCodes = [
  'validation_failed',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  'auth.unauthenticated',
  'auth.invalid_credentials',
  'auth.forbidden',
  'auth.csrf',
  'auth.disabled',
  'auth.wrong_password',
  'auth.password_change_required',
  'auth.busy',
  'auth.insufficient_scope',
  'users.username_taken',
  'users.not_found',
  'users.last_admin',
  'config.invalid',
  'comfy.disabled',
  'comfy.unreachable',
  'comfy.timeout',
  'comfy.upstream_error',
  'comfy.invalid_workflow',
  'comfy.unsupported_feature',
  'comfy.job_not_found',
  'comfy.conversion_failed',
  'comfy.template_broken',
  'comfy.no_backend',
  'comfy.queue_full',
  'comfy.quota_exceeded',
  'comfy.limit_exceeded',
  'comfy.not_allowed',
  'gallery.not_found',
  'gallery.invalid_image',
  'share.not_found',
  'share.expired',
  'share.password_required',
  'share.wrong_password',
  'webhooks.url_refused',
  'storage_full',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Per-field validation details: `{ field: ['message', …] }`. */
export type FieldErrors = Record<string, string[]>;

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    (errorCodes as readonly string[]).includes(v.code) &&
    typeof v.message === 'string'
  );
}
