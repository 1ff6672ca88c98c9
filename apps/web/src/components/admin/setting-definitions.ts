import type { RuntimeSettingKey, SettingSource } from '@atelier/contract';

/** `choice`: one of `options`, typed; `list`: names separated by commas (the API splits and trims them). */
export type SettingKind = 'boolean' | 'url' | 'number' | 'choice' | 'list';

export interface SettingDefinition {
  key: RuntimeSettingKey;
  label: string;
  hint: string;
  kind: SettingKind;
  unit?: string;
  min?: number;
  options?: readonly string[];
}

export interface SettingGroup {
  title: string;
  fields: readonly SettingDefinition[];
}

/** The ComfyUI settings in the order the admin page shows them. */
export const comfySettingGroups: readonly SettingGroup[] = [
  {
    title: 'Connection',
    fields: [
      {
        key: 'comfy_api_url',
        label: 'ComfyUI URL',
        hint: 'Where the Atelier server reaches ComfyUI, e.g. http://127.0.0.1:8188. Browsers never see it.',
        kind: 'url',
      },
      {
        key: 'comfy_timeout',
        label: 'Request timeout',
        hint: 'Per request to ComfyUI.',
        kind: 'number',
        unit: 's',
        min: 1,
      },
      {
        key: 'comfy_object_info_ttl_s',
        label: 'Node info cache',
        hint: 'How long the list of ComfyUI nodes and models is cached.',
        kind: 'number',
        unit: 's',
        min: 0,
      },
    ],
  },
  {
    title: 'Watchdog',
    fields: [
      {
        key: 'comfy_health_interval_s',
        label: 'Health check interval',
        hint: 'How often the server checks that ComfyUI is up.',
        kind: 'number',
        unit: 's',
        min: 1,
      },
      {
        key: 'comfy_reconnect_max_attempts',
        label: 'Reconnect attempts',
        hint: 'Tries before ComfyUI is reported as unreachable.',
        kind: 'number',
        min: 0,
      },
      {
        key: 'comfy_reconnect_base_delay_s',
        label: 'Reconnect base delay',
        hint: 'First wait between tries; it doubles after each failure.',
        kind: 'number',
        unit: 's',
        min: 0,
      },
      {
        key: 'comfy_reconnect_max_delay_s',
        label: 'Reconnect max delay',
        hint: 'Upper bound of the wait between tries.',
        kind: 'number',
        unit: 's',
        min: 0,
      },
    ],
  },
  {
    title: 'Permissions',
    fields: [
      {
        key: 'comfy_raw_graph_min_role',
        label: 'Queue own graphs',
        hint: 'Lowest role that may queue a graph of its own (user, curator or admin). Custom nodes can write files or run code; templates and txt2img stay open to everyone.',
        kind: 'choice',
        options: ['user', 'curator', 'admin'],
      },
      {
        key: 'comfy_node_allow_list',
        label: 'Allowed node classes',
        hint: 'Node classes such graphs may use, separated by commas (e.g. KSampler, SaveImage). Empty: any class ComfyUI offers. Admins are not held to it.',
        kind: 'list',
      },
    ],
  },
  {
    title: 'Queue',
    fields: [
      {
        key: 'comfy_queue_paused',
        label: 'Pause every queue',
        hint: 'No waiting job is sent to ComfyUI until this is off again; running jobs finish.',
        kind: 'boolean',
      },
      {
        key: 'comfy_prefetch',
        label: 'Prefetched jobs',
        hint: 'Jobs each ComfyUI holds beyond the running one, so it never idles between two (0–4). The rest wait in Atelier, where they can be reordered.',
        kind: 'number',
        min: 0,
      },
      {
        key: 'comfy_backend_lost_after_s',
        label: 'Backend lost after',
        hint: 'A ComfyUI unreachable this long has lost its queue: its jobs are marked lost and, if their owners allow it, retried on another backend.',
        kind: 'number',
        unit: 's',
        min: 1,
      },
      {
        key: 'comfy_warmup_on_connect',
        label: 'Warm up on connect',
        hint: 'Run the warm-up workflow on every ComfyUI each time it (re)connects, before it takes jobs.',
        kind: 'boolean',
      },
    ],
  },
  {
    title: 'Gallery',
    fields: [
      {
        key: 'gallery_auto_capture',
        label: 'Keep every result',
        hint: 'Capture the images of every finished job as private, unreviewed images of its owner. Off: only what owners keep.',
        kind: 'boolean',
      },
      {
        key: 'gallery_trash_retention_days',
        label: 'Trash retention',
        hint: 'How long deleted images stay in the trash, restorable, before their files are removed.',
        kind: 'number',
        unit: 'days',
        min: 1,
      },
    ],
  },
];

export const sourceLabels: Record<SettingSource, string> = {
  default: 'Built-in default',
  env: 'Set by environment variable',
  admin: 'Set by an administrator',
  managed: 'Imposed by the ComfyUI server Atelier runs itself',
};
