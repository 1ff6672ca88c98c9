import { auditSystemActor, type AuditAction, type AuditEntry } from '@atelier/contract';
import { comfySettingGroups } from './setting-definitions';

// The on/off switch has its own control, outside the setting groups.
const settingLabels = new Map<string, string>([
  ['comfy_enabled', 'ComfyUI integration'],
  ...comfySettingGroups.flatMap((group) => group.fields.map((field) => [field.key, field.label] as const)),
]);

export const auditActionLabels: Record<AuditAction, string> = {
  'settings.changed': 'Settings changed',
  'user.created': 'User created',
  'user.updated': 'User changed',
  'user.password_reset': 'Password reset',
  'gallery.image_deleted': 'Image deleted',
  'gallery.images_approved': 'Images approved',
  'gallery.images_rejected': 'Images rejected',
  'gallery.images_trashed': 'Images moved to the trash',
  'gallery.images_restored': 'Images restored from the trash',
  'comfy.backend_created': 'ComfyUI server added',
  'comfy.backend_updated': 'ComfyUI server changed',
  'comfy.backend_removed': 'ComfyUI server removed',
  'queue.limits_changed': 'Role caps changed',
  'comfy.template_saved': 'Workflow template saved',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'webhook.created': 'Webhook added',
  'webhook.updated': 'Webhook changed',
  'webhook.deleted': 'Webhook deleted',
  'webhook.disabled': 'Webhook turned off by Atelier',
  'share.created': 'Share link created',
  'share.revoked': 'Share link revoked',
};

/** Who did it: a username, or Atelier itself for the system actor (an entry with no actor id). */
export function describeAuditActor({ actor }: AuditEntry): { name: string; system: boolean } {
  return actor.id === null
    ? { name: `Atelier (${actor.username || auditSystemActor})`, system: true }
    : { name: actor.username, system: false };
}

/** The filter's choices; '' stands for every action (a select's value is a string). */
export const auditFilterOptions: { value: AuditAction | ''; label: string }[] = [
  { value: '', label: 'All actions' },
  ...Object.entries(auditActionLabels).map(([value, label]) => ({ value: value as AuditAction, label })),
];

const show = (value: unknown): string => {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(show).join(', ');
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (value === null || value === undefined || value === '') return '(none)';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
};

function isChange(value: unknown): value is { from: unknown; to: unknown } {
  return typeof value === 'object' && value !== null && 'from' in value && 'to' in value;
}

/** "Request timeout: 30 → 45": settings by the label the page gives them, other keys as they are. */
function changes(record: Record<string, unknown>): string[] {
  return Object.entries(record)
    .filter((entry): entry is [string, { from: unknown; to: unknown }] => isChange(entry[1]))
    .map(([key, { from, to }]) => `${settingLabels.get(key) ?? key}: ${show(from)} → ${show(to)}`);
}

/** One line per change, in words, from an entry's details. */
export function describeAuditDetails(entry: AuditEntry): string[] {
  const { details } = entry;
  switch (entry.action) {
    case 'settings.changed':
      return typeof details.changed === 'object' && details.changed !== null
        ? changes(details.changed as Record<string, unknown>)
        : [];
    case 'user.updated': {
      const lines = isChange(details.role) ? changes({ role: details.role }) : [];
      if (isChange(details.disabled)) lines.push(details.disabled.to === true ? 'disabled' : 'enabled again');
      return lines;
    }
    case 'user.created':
      return [`role: ${show(details.role)}`];
    case 'user.password_reset':
      return ['must choose a new password at next sign-in'];
    case 'gallery.image_deleted':
      return [`sha256 ${show(details.sha256)}`];
    case 'gallery.images_approved':
      return [`images ${show(details.ids)}`];
    case 'gallery.images_rejected':
      return [`images ${show(details.ids)}`, `note ${show(details.note)}`];
    case 'gallery.images_trashed':
    case 'gallery.images_restored':
      return [`images ${show(details.ids)}`];
    case 'comfy.backend_created':
    case 'comfy.backend_updated':
    case 'comfy.backend_removed':
    case 'queue.limits_changed':
      return changes(details);
    case 'comfy.template_saved':
      return [
        details.created === true ? 'new template' : 'new version',
        `version ${show(details.version)}`,
        ...(details.shadows_file === true ? ['replaces the shipped file'] : []),
      ];
    case 'api_key.created':
      return [
        `owner #${show(details.owner_id)}`,
        `scopes ${show(details.scopes)}`,
        `expires ${show(details.expires_at)}`,
      ];
    case 'api_key.revoked':
    case 'share.revoked':
      return [`owner #${show(details.owner_id)}`];
    case 'webhook.created':
      return [
        `owner #${show(details.owner_id)}`,
        `events ${show(details.events)}`,
        `every user's: ${show(details.all_users)}`,
      ];
    case 'webhook.updated':
      return [...changes(details), ...(details.secret === 'rotated' ? ['new signing secret'] : [])];
    case 'webhook.deleted':
      return [`owner #${show(details.owner_id)}`];
    case 'webhook.disabled':
      return [`owner #${show(details.owner_id)}`, show(details.reason)];
    case 'share.created':
      return [
        `owner #${show(details.owner_id)}`,
        details.board_id === undefined
          ? `images ${show(details.image_ids)}`
          : `board #${show(details.board_id)}`,
        `expires ${show(details.expires_at)}`,
        ...(details.has_password === true ? ['password'] : []),
        details.redact === true ? 'prompts hidden' : 'prompts shown',
        ...(details.allow_download === true ? ['downloads allowed'] : []),
      ];
  }
}

const targetNouns: Record<AuditEntry['target']['type'], string> = {
  settings: 'settings',
  role: 'role',
  user: 'user',
  backend: 'ComfyUI server',
  image: 'image',
  template: 'template',
  api_key: 'API key',
  webhook: 'webhook',
  share: 'share link',
};

/** "ada (#3)", "image #12 (1a2b3c…)", "settings". */
export function describeAuditTarget({ target }: AuditEntry): string {
  if (target.type === 'settings') return 'Runtime settings';
  if (target.type === 'role') return `caps of the ${target.label ?? target.id ?? '?'} role`;
  // Trash and restore name several images at once: "3 images", their ids in the details.
  if (target.type === 'image' && target.id === null) return target.label ?? 'images';
  const noun = targetNouns[target.type];
  const label = target.label ? ` ${target.label}` : '';
  return `${noun}${label} (#${target.id ?? '?'})`;
}
