/**
 * The audit log: what admins and curators did (GET /api/admin/audit, admins only). Actions that failed
 * or were refused are not in it, and neither is what Atelier did on its own (the first admin at first
 * start, the managed ComfyUI server's settings).
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
] as const;
export type AuditAction = (typeof auditActions)[number];

export type AuditTargetType = 'settings' | 'user' | 'image' | 'backend' | 'role' | 'template';

export interface AuditEntry {
  id: number;
  /** ISO-8601 UTC with milliseconds. */
  at: string;
  /** Who did it, with their username at the time. */
  actor: { id: number; username: string };
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
