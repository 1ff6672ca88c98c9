import type { RuntimeSettings } from '@atelier/contract';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface AppConfigValues {
  readonly port: number;
  /** Where `generated/`, `data/` and `apps/web/dist` live by default. */
  readonly rootDir: string;
  /** Folder of the database file; the generated JWT secret is kept here too. */
  readonly dataDir: string;
  /** ATELIER_DEMO=1: the server runs against the bundled ComfyUI simulator. */
  readonly demo: boolean;
  readonly version: string;
  readonly database: { readonly path: string };
  readonly web: { readonly distDir: string };
  readonly http: {
    /** Express `trust proxy`: off unless a reverse proxy is declared (hop count or true). */
    readonly trustProxy: boolean | number;
    readonly jsonBodyLimitBytes: number;
    /** Extra origins trusted for cookie-authenticated state changes (e.g. a dev server). */
    readonly allowedOrigins: readonly string[];
  };
  readonly log: { readonly level: LogLevel };
  readonly auth: {
    /** From ATELIER_JWT_SECRET; null means "generate once and keep it in dataDir". */
    readonly jwtSecret: string | null;
    readonly accessTokenTtlS: number;
    readonly refreshTokenTtlS: number;
    readonly loginMaxFailures: number;
    readonly loginWindowS: number;
    readonly firstAdmin: { readonly username: string; readonly password: string | null };
  };
  /** Boot values of the ComfyUI integration (env over defaults). Read live values from RuntimeConfig. */
  readonly comfy: {
    readonly enabled: boolean;
    readonly apiUrl: string;
    readonly timeoutMs: number;
    /** Absolute. */
    readonly imageDir: string;
    readonly healthIntervalS: number;
    readonly objectInfoTtlS: number;
    readonly reconnect: {
      readonly maxAttempts: number;
      readonly baseDelayS: number;
      readonly maxDelayS: number;
    };
  };
  /** Layers under the admin overrides: built-in defaults and what the environment set. */
  readonly runtime: { readonly defaults: RuntimeSettings; readonly env: Partial<RuntimeSettings> };
}

/**
 * The boot configuration, parsed once by `loadConfig`. A class so Nest can inject it by type.
 * Runtime-changeable settings (comfy_*) are served live by `RuntimeConfig`; this holds their boot values.
 */
export class AppConfig implements AppConfigValues {
  declare readonly port: number;
  declare readonly rootDir: string;
  declare readonly dataDir: string;
  declare readonly demo: boolean;
  declare readonly version: string;
  declare readonly database: AppConfigValues['database'];
  declare readonly web: AppConfigValues['web'];
  declare readonly http: AppConfigValues['http'];
  declare readonly log: AppConfigValues['log'];
  declare readonly auth: AppConfigValues['auth'];
  declare readonly comfy: AppConfigValues['comfy'];
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
