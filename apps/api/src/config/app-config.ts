import type { RuntimeSettings } from '@atelier/contract';
import type { AllowedHost } from './allowed-hosts.js';
import type { HttpServerTimeouts } from './http-server-config.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Embedded SQLite (the default) or a Postgres server (ATELIER_DATABASE_URL); see database-config.ts. */
export type DatabaseConfig =
  | {
      readonly engine: 'sqlite';
      /** Absolute path of the database file. */
      readonly path: string;
    }
  | {
      readonly engine: 'postgres';
      /** The connection URL as given (it may hold a password: never log it). */
      readonly url: string;
    };

/** ATELIER_REDIS_URL: shared events, limits and background work across replicas. */
export interface RedisConfig {
  /** As given (it may hold a password: never log it). */
  readonly url: string;
}

export interface AppConfigValues {
  readonly port: number;
  /** Where `generated/`, `data/` and `apps/web/dist` live by default. */
  readonly rootDir: string;
  /** Folder of the database file; the generated JWT secret is kept here too. */
  readonly dataDir: string;
  /**
   * Absolute; the shipped runtime configuration (`comfy/workflows`, `comfy/params`): ATELIER_CONFIG_DIR, else the
   * `config/` folder of the repository the server runs from (not of ATELIER_ROOT_DIR).
   */
  readonly configDir: string;
  /** ATELIER_DEMO=1: the server runs against the bundled ComfyUI simulator. */
  readonly demo: boolean;
  readonly version: string;
  readonly database: DatabaseConfig;
  /** Null unless ATELIER_REDIS_URL is set. */
  readonly redis: RedisConfig | null;
  /** ATELIER_REPLICA_ID, default `hostname:PORT`: names this process in logs, metrics and leader leases. */
  readonly replicaId: string;
  readonly web: { readonly distDir: string };
  readonly http: {
    /** Express `trust proxy`: off unless a reverse proxy is declared (hop count or true). */
    readonly trustProxy: boolean | number;
    readonly jsonBodyLimitBytes: number;
    /** Extra origins trusted for cookie-authenticated state changes (e.g. a dev server). */
    readonly allowedOrigins: readonly string[];
    readonly timeouts: HttpServerTimeouts;
  };
  readonly log: { readonly level: LogLevel };
  readonly auth: {
    /** From ATELIER_JWT_SECRET; null means "generate once and keep it in dataDir". */
    readonly jwtSecret: string | null;
    readonly accessTokenTtlS: number;
    readonly refreshTokenTtlS: number;
    readonly loginMaxFailures: number;
    readonly loginWindowS: number;
    /** Failed sign-ins of one account (from any address) before each further try must wait. */
    readonly loginAccountMaxFailures: number;
    /** The wait after those doubles from 1 s per failure up to this. */
    readonly loginAccountMaxDelayS: number;
    /**
     * Argon2 hashes and verifications (sign-in, password change, new users) running at once, and how
     * many more may wait (at most `maxWaitS`) before further ones answer 503 `auth.busy`.
     */
    readonly passwordHash: {
      readonly concurrency: number;
      readonly maxQueued: number;
      readonly maxWaitS: number;
    };
    readonly firstAdmin: { readonly username: string; readonly password: string | null };
  };
  /** The ComfyUI integration's own settings (enabled, URL, timeouts…) are runtime settings: see RuntimeConfig. */
  readonly comfy: {
    /** Absolute; where generated images are stored. */
    readonly imageDir: string;
  };
  readonly gallery: {
    /** Largest upload accepted by POST /api/comfy/ingest. */
    readonly ingestMaxBytes: number;
    /** Largest decoded image (width × height) accepted; guards against decompression bombs. */
    readonly maxInputPixels: number;
    /** Absolute. Thumbnails live apart from the dated image folders. */
    readonly thumbnailDir: string;
  };
  /** What one user may hold open at once; over it answers 429 `rate_limited`. */
  readonly caps: {
    /** Open SSE streams (GET /api/comfy/stream/:promptId). */
    readonly streamsPerUser: number;
    /** Uploads being received, POST /api/comfy/upload and /api/comfy/ingest together. */
    readonly uploadsPerUser: number;
  };
  /** POST /api/comfy/upload: input images sent to ComfyUI. */
  readonly comfyUploads: {
    /** Largest upload accepted. */
    readonly maxBytes: number;
    /** Largest image (width × height) accepted; guards against decompression bombs. */
    readonly maxPixels: number;
    /** Absolute; ComfyUI's input folder when Atelier can reach it (COMFY_INPUT_DIR), so ephemeral uploads can be removed. */
    readonly inputDir: string | null;
  };
  /**
   * Boot-only knobs of the ComfyUI integration that admins do not change at run time: where presets live,
   * rate limits, and the timings tests and demos shorten.
   */
  readonly comfyTuning: {
    /** Absolute; `*.json` txt2img presets. */
    readonly presetsDir: string;
    /** When set, replaces comfy_health_interval_s (its 5 s floor suits admins, not tests). */
    readonly watchdogIntervalMs: number | null;
    /** Poll period of a job while the WebSocket is down. */
    readonly pollIntervalMs: number;
    /** SSE comment lines that keep proxies from closing an idle stream. */
    readonly sseHeartbeatMs: number;
    /** How long a job's last sampler previews stay fetchable after it ends. */
    readonly previewGraceMs: number;
    /** /api/comfy/view per user: sustained requests per second and burst. */
    readonly viewRatePerS: number;
    readonly viewBurst: number;
    /** Byte budget (MiB) of the /view image cache, revalidated against ComfyUI on every view; 0 disables it. */
    readonly viewCacheMb: number;
    /** Least seconds between two object_info refreshes (?refresh=1) per user. */
    readonly objectInfoRefreshIntervalS: number;
  };
  /** GET /metrics (Prometheus). */
  readonly metrics: {
    /** ATELIER_METRICS_TOKEN: a scraper's bearer token; null means admins' sessions only. */
    readonly token: string | null;
  };
  /** Outgoing webhooks. */
  readonly webhooks: {
    /** ATELIER_WEBHOOK_ALLOWED_HOSTS: hosts and ranges webhooks may reach although private (empty: none). */
    readonly allowedHosts: readonly AllowedHost[];
  };
  /** Managed mode (COMFY_MANAGED_*): Atelier runs ComfyUI itself. Null unless COMFY_MANAGED_COMMAND is set. */
  readonly comfyManaged: {
    /** Program and arguments, split like a shell would but never run by one. */
    readonly command: readonly string[];
    /** Absolute; where the command runs (default: the root dir). */
    readonly cwd: string;
    /** The first port tried; the next free one is used when it is taken. */
    readonly initialPort: number;
    readonly startAttempts: number;
    /** Base of the exponential backoff between attempts and restarts (capped at 30 s). */
    readonly startSleepS: number;
    /** Absolute; an API-format workflow run as the warm-up, null for the built-in model-free graph. */
    readonly testPayloadPath: string | null;
    /** Per attempt: how long ComfyUI may take to answer HTTP. */
    readonly readyTimeoutS: number;
    /** Per attempt: how long the warm-up workflow may take. */
    readonly warmupTimeoutS: number;
    /** Between SIGTERM and SIGKILL when stopping it. */
    readonly stopGraceS: number;
    /** Ready this long, a later crash starts counting attempts from 1 again. */
    readonly stableAfterS: number;
  } | null;
  /** Layers under the admin overrides: built-in defaults and what the environment set. */
  readonly runtime: { readonly defaults: RuntimeSettings; readonly env: Partial<RuntimeSettings> };
}

/**
 * The boot configuration, parsed once by `loadConfig`. A class so Nest can inject it by type.
 * Runtime-changeable settings (comfy_*) are served live by `RuntimeConfig`; `runtime` holds the layers under them.
 */
export class AppConfig implements AppConfigValues {
  declare readonly port: number;
  declare readonly rootDir: string;
  declare readonly dataDir: string;
  declare readonly configDir: string;
  declare readonly demo: boolean;
  declare readonly version: string;
  declare readonly database: AppConfigValues['database'];
  declare readonly redis: AppConfigValues['redis'];
  declare readonly replicaId: AppConfigValues['replicaId'];
  declare readonly web: AppConfigValues['web'];
  declare readonly http: AppConfigValues['http'];
  declare readonly log: AppConfigValues['log'];
  declare readonly auth: AppConfigValues['auth'];
  declare readonly comfy: AppConfigValues['comfy'];
  declare readonly comfyTuning: AppConfigValues['comfyTuning'];
  declare readonly gallery: AppConfigValues['gallery'];
  declare readonly comfyUploads: AppConfigValues['comfyUploads'];
  declare readonly caps: AppConfigValues['caps'];
  declare readonly comfyManaged: AppConfigValues['comfyManaged'];
  declare readonly metrics: AppConfigValues['metrics'];
  declare readonly webhooks: AppConfigValues['webhooks'];
  declare readonly runtime: AppConfigValues['runtime'];

  constructor(values: AppConfigValues) {
    Object.assign(this, deepFreeze(structuredClone(values)));
    Object.freeze(this);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
