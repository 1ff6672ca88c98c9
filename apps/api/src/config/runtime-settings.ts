import {
  roles,
  type FieldErrors,
  type Role,
  type RuntimeSettingKey,
  type RuntimeSettings,
} from '@atelier/contract';
import { parseBooleanWord } from '../common/boolean-words.js';

/**
 * One row per runtime setting: its default, its environment variable and what it accepts.
 * Env parsing at boot and admin PATCH validation both read this table, so they cannot disagree.
 */
interface SettingSpec<T> {
  env: string;
  defaultValue: T;
  /** Completes "<name> must be …". */
  accepts: string;
  /** Parses an environment string; undefined when it is not acceptable. */
  parseEnv(raw: string): T | undefined;
  /** Checks a JSON value from an admin; undefined when it is not acceptable. */
  check(value: unknown): T | undefined;
}

type SettingSpecs = { [K in RuntimeSettingKey]: SettingSpec<RuntimeSettings[K]> };

function booleanSetting(env: string, defaultValue: boolean): SettingSpec<boolean> {
  return {
    env,
    defaultValue,
    accepts: 'a boolean (true/false, 1/0, yes/no, on/off)',
    parseEnv: parseBooleanWord,
    check: (value) => (typeof value === 'boolean' ? value : undefined),
  };
}

interface NumberRule {
  min: number;
  max: number;
  /** The minimum itself is not allowed (a delay must be > 0). */
  minExclusive?: boolean;
  integer?: boolean;
  unit?: string;
}

export function describeNumber(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  const unit = rule.unit ? ` of ${rule.unit}` : '';
  const range = rule.minExclusive
    ? `greater than ${rule.min} and at most ${rule.max}`
    : `between ${rule.min} and ${rule.max}`;
  return `${kind}${unit} ${range}`;
}

export function checkNumber(value: unknown, rule: NumberRule): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (rule.integer && !Number.isInteger(value)) return undefined;
  if (rule.minExclusive ? value <= rule.min : value < rule.min) return undefined;
  if (value > rule.max) return undefined;
  return value;
}

/** Strict decimal syntax: Number('') is 0 and Number('0x10') is 16, neither of which a person meant. */
export function parseNumberWord(raw: string): number | undefined {
  const text = raw.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : undefined;
}

function numberSetting(env: string, defaultValue: number, rule: NumberRule): SettingSpec<number> {
  return {
    env,
    defaultValue,
    accepts: describeNumber(rule),
    parseEnv: (raw) => checkNumber(parseNumberWord(raw), rule),
    check: (value) => checkNumber(value, rule),
  };
}

/** An http(s) base URL without query or fragment; trailing slashes are dropped so paths join cleanly. */
export function normalizeHttpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.search || url.hash) return undefined;
  return url.href.replace(/\/+$/, '');
}

function urlSetting(env: string, defaultValue: string): SettingSpec<string> {
  return {
    env,
    defaultValue,
    accepts: 'an http(s) URL without query or fragment, e.g. http://127.0.0.1:8188',
    parseEnv: normalizeHttpUrl,
    check: normalizeHttpUrl,
  };
}

function roleSetting(env: string, defaultValue: Role): SettingSpec<Role> {
  const check = (value: unknown) =>
    typeof value === 'string' && (roles as readonly string[]).includes(value) ? (value as Role) : undefined;
  return {
    env,
    defaultValue,
    accepts: `one of ${roles.join(', ')}`,
    parseEnv: (raw) => check(raw.trim()),
    check,
  };
}

const maxListItems = 500;
const maxNameLength = 200;

/**
 * A list of node class names: a JSON array of strings, or (env, the admin page's text field) one string with
 * the names separated by commas or new lines. Names are trimmed, blanks and repeats dropped; '' is the empty list.
 */
export function parseNameList(value: unknown): string[] | undefined {
  const items = typeof value === 'string' ? value.split(/[,\n]/) : value;
  if (!Array.isArray(items) || items.length > maxListItems) return undefined;
  const names: string[] = [];
  for (const item of items as unknown[]) {
    if (typeof item !== 'string') return undefined;
    const name = item.trim();
    // eslint-disable-next-line no-control-regex
    if (name.length > maxNameLength || /[\u0000-\u001f\u007f]/.test(name)) return undefined;
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

function nameListSetting(env: string, defaultValue: string[]): SettingSpec<string[]> {
  return {
    env,
    defaultValue,
    accepts: `a list of at most ${maxListItems} node class names (an array, or one text separated by commas)`,
    parseEnv: parseNameList,
    check: parseNameList,
  };
}

export const runtimeSettingSpecs: SettingSpecs = {
  comfy_enabled: booleanSetting('COMFY_ENABLED', false),
  comfy_api_url: urlSetting('COMFY_API_URL', 'http://127.0.0.1:8188'),
  comfy_timeout: numberSetting('COMFY_TIMEOUT', 30, { min: 1, max: 600, unit: 'seconds' }),
  comfy_health_interval_s: numberSetting('COMFY_HEALTH_INTERVAL_S', 60, {
    min: 5,
    max: 3600,
    unit: 'seconds',
  }),
  comfy_reconnect_max_attempts: numberSetting('COMFY_RECONNECT_MAX_ATTEMPTS', 5, {
    min: 0,
    max: 100,
    integer: true,
  }),
  comfy_reconnect_base_delay_s: numberSetting('COMFY_RECONNECT_BASE_DELAY_S', 0.5, {
    min: 0,
    max: 300,
    minExclusive: true,
    unit: 'seconds',
  }),
  comfy_reconnect_max_delay_s: numberSetting('COMFY_RECONNECT_MAX_DELAY_S', 30, {
    min: 0,
    max: 3600,
    minExclusive: true,
    unit: 'seconds',
  }),
  comfy_object_info_ttl_s: numberSetting('COMFY_OBJECT_INFO_TTL_S', 3600, {
    min: 0,
    max: 86_400,
    unit: 'seconds',
  }),
  // Raw graphs can name any node class, custom nodes that write files or run code included (graph-policy.ts).
  comfy_raw_graph_min_role: roleSetting('COMFY_RAW_GRAPH_MIN_ROLE', 'curator'),
  comfy_node_allow_list: nameListSetting('COMFY_NODE_ALLOW_LIST', []),
  comfy_queue_paused: booleanSetting('COMFY_QUEUE_PAUSED', false),
  // Beyond the running job; everything past it waits in Atelier, where it can still be reordered.
  comfy_prefetch: numberSetting('COMFY_PREFETCH', 1, { min: 0, max: 4, integer: true }),
  // A backend's queue lives in its memory: down this long, what it held is gone (its jobs are lost, then retried).
  comfy_backend_lost_after_s: numberSetting('COMFY_BACKEND_LOST_AFTER_S', 60, {
    min: 1,
    max: 3600,
    unit: 'seconds',
  }),
  comfy_warmup_on_connect: booleanSetting('COMFY_WARMUP_ON_CONNECT', true),
  gallery_auto_capture: booleanSetting('GALLERY_AUTO_CAPTURE', false),
  gallery_trash_retention_days: numberSetting('GALLERY_TRASH_RETENTION_DAYS', 30, {
    min: 1,
    max: 3650,
    integer: true,
    unit: 'days',
  }),
};

export const runtimeSettingKeys = Object.keys(runtimeSettingSpecs) as RuntimeSettingKey[];

export function isRuntimeSettingKey(key: string): key is RuntimeSettingKey {
  return Object.hasOwn(runtimeSettingSpecs, key);
}

export function runtimeDefaults(): RuntimeSettings {
  const entries = runtimeSettingKeys.map((key) => [key, runtimeSettingSpecs[key].defaultValue]);
  return Object.fromEntries(entries) as RuntimeSettings;
}

/** Rules that involve more than one setting, checked on the effective values; keyed by the setting to blame. */
export function crossSettingErrors(settings: RuntimeSettings): FieldErrors {
  const errors: FieldErrors = {};
  if (settings.comfy_reconnect_base_delay_s > settings.comfy_reconnect_max_delay_s) {
    errors.comfy_reconnect_base_delay_s = [
      `must not exceed comfy_reconnect_max_delay_s (${settings.comfy_reconnect_max_delay_s})`,
    ];
  }
  return errors;
}

/** Typed write of one key (TypeScript cannot relate a key union to its value union on its own). */
export function putSetting<K extends RuntimeSettingKey>(
  target: Partial<RuntimeSettings>,
  key: K,
  value: RuntimeSettings[K],
): void {
  target[key] = value;
}
