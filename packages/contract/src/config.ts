import type { Role } from './auth.js';

/** Runtime settings an admin can read and change through GET/PATCH /api/admin/config. */
export interface RuntimeSettings {
  comfy_enabled: boolean;
  comfy_api_url: string;
  /** Seconds. */
  comfy_timeout: number;
  comfy_health_interval_s: number;
  comfy_reconnect_max_attempts: number;
  comfy_reconnect_base_delay_s: number;
  comfy_reconnect_max_delay_s: number;
  /** Seconds object_info stays cached. */
  comfy_object_info_ttl_s: number;
  /** The lowest role that may queue its own graph (POST /api/comfy/queue); templates and txt2img stay open to all. */
  comfy_raw_graph_min_role: Role;
  /** Node classes a raw graph may use (admins excepted); empty: any class ComfyUI knows. */
  comfy_node_allow_list: string[];
  /** Admin's "pause everything": no waiting job is posted to any backend until it is off again. */
  comfy_queue_paused: boolean;
  /** Jobs a backend holds beyond the running one (prefetched, so the GPU never idles between two); 0–4. */
  comfy_prefetch: number;
  /** Seconds a backend may stay unreachable before the jobs it held are marked lost (and retried elsewhere). */
  comfy_backend_lost_after_s: number;
  /** Run the warm-up workflow on every backend's (re)connect before it takes jobs. */
  comfy_warmup_on_connect: boolean;
  /** Every finished job's images are kept automatically as private, unreviewed images of its owner. */
  gallery_auto_capture: boolean;
  /** Days a trashed gallery image is kept before the purge removes it for good. */
  gallery_trash_retention_days: number;
}

export type RuntimeSettingKey = keyof RuntimeSettings;
/** `managed`: imposed by the managed ComfyUI server (COMFY_MANAGED_COMMAND) while it runs. */
export type SettingSource = 'default' | 'env' | 'admin' | 'managed';

export interface SettingView<T = unknown> {
  value: T;
  source: SettingSource;
}

/** GET /api/admin/config: every runtime setting with where its effective value comes from. */
export type AdminConfigResponse = {
  settings: { [K in RuntimeSettingKey]: SettingView<RuntimeSettings[K]> };
  /** Boot-only values, shown read-only. */
  static: { port: number; root_dir: string; db_path: string; comfy_image_dir: string };
};

/** PATCH /api/admin/config body: any subset; `null` resets a key to its env/default value. */
export type AdminConfigPatch = { [K in RuntimeSettingKey]?: RuntimeSettings[K] | null };
