/**
 * The audit log: what admins and curators did, and who opened Atelier to the outside (API keys, webhooks,
 * share links), GET /api/admin/audit, admins only. Actions that failed or were refused are not in it. What
 * Atelier did on its own is left out (the first admin at first start, the managed ComfyUI server's settings),
 * except where it acts on someone's behalf: those entries have the system actor (`actor.id` null).
 */
export const auditActions = [
  'settings.changed',
  'user.created',
  /** Role and/or disabled flag changed; `details` has each as `{ from, to }`. */
  'user.updated',
  'user.password_reset',
  /** Removed for good (by the trash's purge: `actor` is who moved it to the trash). */
  'gallery.image_deleted',
  /** A curator approved images for the team; `details.ids` lists them. */
  'gallery.images_approved',
  /** A curator rejected images; `details` has the `ids` and the `note` their owners see. */
  'gallery.images_rejected',
  /** Moved to the trash; `details.ids` lists the images. */
  'gallery.images_trashed',
  /** Taken back out of the trash; `details.ids` lists the images. */
  'gallery.images_restored',
  /** A ComfyUI server was added to the pool; `details` has its url, weight, tags, enabled, draining. */
  'comfy.backend_created',
  /** A ComfyUI server was changed; `details` has each changed field as `{ from, to }`. */
  'comfy.backend_updated',
  /** A ComfyUI server was removed from the pool. */
  'comfy.backend_removed',
  /** A role's caps changed; `target.id` is the role, `details` has each changed cap as `{ from, to }`. */
  'queue.limits_changed',
  /** A workflow template or a new version of one was saved; `target.id` is its name, `details` `{version, created}`. */
  'comfy.template_saved',
  /** Someone made an API key; `target` is the key (its name), `details` `{owner_id, prefix, scopes, expires_at}`. */
  'api_key.created',
  /** An API key was revoked; `details.owner_id` is whose it was. */
  'api_key.revoked',
  /** A webhook endpoint was added; `details` `{owner_id, url, events, all_users}` (never its secret). */
  'webhook.created',
  /** A webhook endpoint was changed; `details` has each changed field as `{ from, to }` (`secret` when rotated: no values). */
  'webhook.updated',
  /** A webhook endpoint was deleted with its delivery log; `details` `{owner_id, url}`. */
  'webhook.deleted',
  /** Atelier (the system actor) switched off an endpoint whose deliveries failed for days; `details` `{owner_id, url, reason}`. */
  'webhook.disabled',
  /** A share link was made; `details` `{owner_id, kind, image_ids | board_id, expires_at, has_password, redact, allow_download}`. */
  'share.created',
  /** A share link was revoked (by its owner or an admin); `details.owner_id` is whose it was. */
  'share.revoked',
] as const;
export type AuditAction = (typeof auditActions)[number];

export type AuditTargetType =
  'settings' | 'user' | 'image' | 'backend' | 'role' | 'template' | 'api_key' | 'webhook' | 'share';

/** The username of the system actor: Atelier itself (`actor.id` null), e.g. disabling a failing webhook. */
export const auditSystemActor = 'system';

export interface AuditEntry {
  id: number;
  /** ISO-8601 UTC with milliseconds. */
  at: string;
  /** Who did it, with their username at the time; `id` null: Atelier itself (username `auditSystemActor`). */
  actor: { id: number | null; username: string };
  action: AuditAction;
  /** `id` is null for the settings (there is one set); `label` names it as it was then (username, image hash). */
  target: { type: AuditTargetType; id: string | null; label: string | null };
  /** What changed, e.g. `{ role: { from: 'user', to: 'curator' } }`; never a password or a hash of one. */
  details: Record<string, unknown>;
}

/** GET /api/admin/audit?cursor&limit&action: newest first. */
export interface AuditListQuery {
  /** `next_cursor` of the previous page. */
  cursor?: string;
  /** 1–100, default 50. */
  limit?: number;
  /** Only entries of this action. */
  action?: AuditAction;
}

export const auditPageDefaultLimit = 50;
export const auditPageMaxLimit = 100;

export interface AuditPage {
  items: AuditEntry[];
  /** Null on the last page. */
  next_cursor: string | null;
}
