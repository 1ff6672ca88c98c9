import {
  passwordMaxLength,
  passwordMinLength,
  usernamePattern,
  type RuntimeSettingKey,
  type RuntimeSettings,
} from '@atelier/contract';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseAllowedHosts } from './allowed-hosts.js';
import { AppConfig, logLevels, type LogLevel } from './app-config.js';
import { readStorageConfig } from './database-config.js';
import { ConfigError, EnvReader, type Env } from './env-reader.js';
import { readHttpServerTimeouts } from './http-server-config.js';
import { parseBooleanWord } from '../common/boolean-words.js';
import { hasFlag, splitShellWords } from '../common/shell-words.js';
import { findRepoRoot, readApiVersion } from './paths.js';
import {
  checkNumber,
  crossSettingErrors,
  describeNumber,
  parseNumberWord,
  runtimeDefaults,
  runtimeSettingKeys,
  runtimeSettingSpecs,
  putSetting,
} from './runtime-settings.js';

export { ConfigError, type Env } from './env-reader.js';

function parseTrustProxy(raw: string): boolean | number | undefined {
  const word = parseBooleanWord(raw);
  if (word !== undefined && !/^\d+$/.test(raw.trim())) return word;
  const hops = checkNumber(parseNumberWord(raw), { min: 0, max: 10, integer: true });
  if (hops === undefined) return undefined;
  return hops === 0 ? false : hops;
}

function parseOrigins(raw: string): string[] | undefined {
  const origins: string[] = [];
  for (const part of raw.split(',')) {
    const text = part.trim();
    if (!text) continue;
    try {
      const url = new URL(text);
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== text.replace(/\/$/, '')) {
        return undefined;
      }
      origins.push(url.origin);
    } catch {
      return undefined;
    }
  }
  return origins;
}

const usernameRegExp = new RegExp(usernamePattern);

/**
 * Parses the environment into the typed boot configuration. Pure apart from locating the repo
 * root and reading the API version, so tests pass env objects instead of mutating process.env.
 * Throws ConfigError listing every bad variable.
 */
export function loadConfig(env: Env): AppConfig {
  const reader = new EnvReader(env);

  const rootOverride = reader.raw('ATELIER_ROOT_DIR');
  const rootDir = rootOverride ? resolve(rootOverride) : findRepoRoot();
  if (!rootDir) {
    throw new ConfigError([
      'ATELIER_ROOT_DIR must be set: no pnpm-workspace.yaml was found above the server files',
    ]);
  }
  const underRoot = (path: string) => (isAbsolute(path) ? path : resolve(rootDir, path));
  // What ships with the server (the built web app, config/) belongs to its own checkout;
  // ATELIER_ROOT_DIR only moves the data (database, generated/).
  const installDir = findRepoRoot() ?? rootDir;

  const defaults = runtimeDefaults();
  const envSettings: Partial<RuntimeSettings> = {};
  for (const key of runtimeSettingKeys) {
    const spec = runtimeSettingSpecs[key];
    const value = reader.read(spec.env, spec.accepts, (raw) => spec.parseEnv(raw));
    if (value !== undefined) putSetting(envSettings, key, value);
  }
  const bootSettings: RuntimeSettings = { ...defaults, ...envSettings };
  for (const [key, messages] of Object.entries(crossSettingErrors(bootSettings))) {
    const spec = runtimeSettingSpecs[key as RuntimeSettingKey];
    for (const message of messages) {
      reader.problems.push(`${spec.env} ${message.replace(/comfy_\w+/g, (name) => envNameOf(name))}`);
    }
  }

  const dbPath = underRoot(reader.raw('ATELIER_DB_PATH') ?? 'data/atelier.sqlite');
  const configDirOverride = reader.raw('ATELIER_CONFIG_DIR');
  // The shipped config belongs to the server's own checkout, wherever ATELIER_ROOT_DIR points.
  const configDir = configDirOverride ? underRoot(configDirOverride) : resolve(installDir, 'config');
  const inputDir = reader.raw('COMFY_INPUT_DIR');
  const port = reader.number('PORT', 3000, { min: 0, max: 65_535, integer: true });

  const config = {
    port,
    rootDir,
    dataDir: dirname(dbPath),
    configDir,
    demo: reader.boolean('ATELIER_DEMO', false),
    version: readApiVersion(),
    // On Postgres the data folder (jwt-secret) stays where the SQLite file would be.
    ...readStorageConfig(reader, dbPath, port),
    web: {
      distDir: underRoot(reader.raw('ATELIER_WEB_DIST_DIR') ?? resolve(installDir, 'apps/web/dist')),
    },
    http: {
      trustProxy:
        reader.read('ATELIER_TRUST_PROXY', 'a boolean or a hop count between 0 and 10', parseTrustProxy) ??
        false,
      jsonBodyLimitBytes: 1024 * 1024,
      allowedOrigins:
        reader.read(
          'ATELIER_ALLOWED_ORIGINS',
          'a comma-separated list of http(s) origins such as http://localhost:5173',
          parseOrigins,
        ) ?? [],
      timeouts: readHttpServerTimeouts(reader),
    },
    log: {
      level:
        reader.read<LogLevel>('LOG_LEVEL', `one of ${logLevels.join(', ')}`, (raw) =>
          logLevels.find((level) => level === raw.trim().toLowerCase()),
        ) ?? 'info',
    },
    auth: {
      jwtSecret:
        reader.read(
          'ATELIER_JWT_SECRET',
          'at least 32 characters long',
          (raw) => (raw.length >= 32 ? raw : undefined),
          true,
        ) ?? null,
      accessTokenTtlS: reader.number('ATELIER_ACCESS_TOKEN_TTL_S', 900, {
        min: 10,
        max: 86_400,
        integer: true,
        unit: 'seconds',
      }),
      refreshTokenTtlS: reader.number('ATELIER_REFRESH_TOKEN_TTL_S', 7 * 86_400, {
        min: 60,
        max: 365 * 86_400,
        integer: true,
        unit: 'seconds',
      }),
      loginMaxFailures: reader.number('ATELIER_LOGIN_MAX_FAILURES', 5, { min: 1, max: 1000, integer: true }),
      loginWindowS: reader.number('ATELIER_LOGIN_WINDOW_S', 60, {
        min: 1,
        max: 86_400,
        integer: true,
        unit: 'seconds',
      }),
      loginAccountMaxFailures: reader.number('ATELIER_LOGIN_ACCOUNT_MAX_FAILURES', 5, {
        min: 1,
        max: 1000,
        integer: true,
      }),
      loginAccountMaxDelayS: reader.number('ATELIER_LOGIN_ACCOUNT_MAX_DELAY_S', 900, {
        min: 1,
        max: 86_400,
        integer: true,
        unit: 'seconds',
      }),
      passwordHash: {
        // One core (and the event loop) stays free for everyone else while people sign in.
        concurrency: reader.number('ATELIER_ARGON2_CONCURRENCY', Math.max(1, availableParallelism() - 1), {
          min: 1,
          max: 256,
          integer: true,
        }),
        maxQueued: reader.number('ATELIER_ARGON2_QUEUE', 200, { min: 0, max: 100_000, integer: true }),
        maxWaitS: reader.number('ATELIER_ARGON2_MAX_WAIT_S', 5, {
          min: 1,
          max: 600,
          integer: true,
          unit: 'seconds',
        }),
      },
      firstAdmin: {
        username:
          reader.read(
            'ATELIER_ADMIN_USERNAME',
            '3–64 letters, digits, "_", "." or "-", starting with a letter or digit',
            (raw) => (usernameRegExp.test(raw) ? raw : undefined),
          ) ?? 'admin',
        password:
          reader.read(
            'ATELIER_ADMIN_PASSWORD',
            `between ${passwordMinLength} and ${passwordMaxLength} characters long`,
            (raw) => (raw.length >= passwordMinLength && raw.length <= passwordMaxLength ? raw : undefined),
            true,
          ) ?? null,
      },
    },
    comfy: { imageDir: underRoot(reader.raw('COMFY_IMAGE_DIR') ?? 'generated/comfy') },
    gallery: {
      ingestMaxBytes: reader.uploadBytes('ATELIER_INGEST_MAX_BYTES'),
      maxInputPixels: reader.imagePixels('ATELIER_INGEST_MAX_PIXELS'),
      thumbnailDir: underRoot(reader.raw('ATELIER_THUMBNAIL_DIR') ?? 'generated/thumbnails'),
    },
    caps: {
      streamsPerUser: reader.number('ATELIER_MAX_STREAMS_PER_USER', 32, {
        min: 1,
        max: 10_000,
        integer: true,
      }),
      uploadsPerUser: reader.number('ATELIER_MAX_UPLOADS_PER_USER', 6, { min: 1, max: 1000, integer: true }),
    },
    comfyUploads: {
      maxBytes: reader.uploadBytes('ATELIER_UPLOAD_MAX_BYTES'),
      maxPixels: reader.imagePixels('ATELIER_UPLOAD_MAX_PIXELS'),
      inputDir: inputDir ? underRoot(inputDir) : null,
    },
    comfyTuning: {
      presetsDir: underRoot(reader.raw('COMFY_PRESETS_DIR') ?? resolve(configDir, 'comfy/presets')),
      watchdogIntervalMs:
        reader.read(
          'ATELIER_COMFY_WATCHDOG_INTERVAL_MS',
          describeNumber({ min: 10, max: 3_600_000, integer: true }),
          (raw) => checkNumber(parseNumberWord(raw), { min: 10, max: 3_600_000, integer: true }),
        ) ?? null,
      pollIntervalMs: reader.number('ATELIER_COMFY_POLL_INTERVAL_MS', 1000, {
        min: 10,
        max: 60_000,
        integer: true,
      }),
      sseHeartbeatMs: reader.number('ATELIER_COMFY_SSE_HEARTBEAT_MS', 15_000, {
        min: 10,
        max: 300_000,
        integer: true,
      }),
      previewGraceMs: reader.number('ATELIER_COMFY_PREVIEW_GRACE_MS', 10_000, {
        min: 0,
        max: 600_000,
        integer: true,
      }),
      viewRatePerS: reader.number('ATELIER_COMFY_VIEW_RATE', 30, {
        min: 0,
        max: 1_000_000,
        minExclusive: true,
      }),
      viewBurst: reader.number('ATELIER_COMFY_VIEW_BURST', 60, { min: 1, max: 1_000_000, integer: true }),
      viewCacheMb: reader.number('ATELIER_COMFY_VIEW_CACHE_MB', 128, { min: 0, max: 65_536 }),
      objectInfoRefreshIntervalS: reader.number('ATELIER_COMFY_REFRESH_INTERVAL_S', 10, {
        min: 0,
        max: 3600,
        unit: 'seconds',
      }),
    },
    comfyManaged: readComfyManaged(reader, rootDir, underRoot),
    metrics: {
      // Compared with a hash in constant time; short tokens are guessable, so at least 32 characters.
      token:
        reader.read(
          'ATELIER_METRICS_TOKEN',
          'at least 32 characters long',
          (raw) => (raw.length >= 32 ? raw : undefined),
          true,
        ) ?? null,
    },
    webhooks: {
      allowedHosts:
        reader.read(
          'ATELIER_WEBHOOK_ALLOWED_HOSTS',
          'comma-separated host[:port] or CIDR entries',
          parseAllowedHosts,
        ) ?? [],
    },
    runtime: { defaults, env: envSettings },
  };

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return new AppConfig(config);
}

/** COMFY_MANAGED_*: every variable is checked even when the command is unset, so a typo still stops the boot. */
function readComfyManaged(
  reader: EnvReader,
  rootDir: string,
  underRoot: (path: string) => string,
): AppConfig['comfyManaged'] {
  const command = reader.read(
    'COMFY_MANAGED_COMMAND',
    'a command line such as "python3 main.py --cpu" without --port (words split as sh does with quotes and ' +
      'backslashes, but no shell runs it: no variables, ~, pipes, redirections or ;)',
    (raw) => {
      const words = splitShellWords(raw);
      return words && words.length > 0 && !hasFlag(words, '--port') ? words : undefined;
    },
  );
  const cwd = reader.raw('COMFY_MANAGED_CWD');
  const testPayload = reader.raw('COMFY_MANAGED_TEST_PAYLOAD');
  const seconds = (name: string, fallback: number, max: number, minExclusive = true) =>
    reader.number(name, fallback, { min: 0, max, minExclusive, unit: 'seconds' });
  const values = {
    command: command ?? [],
    cwd: cwd ? underRoot(cwd) : rootDir,
    initialPort: reader.number('COMFY_MANAGED_INITIAL_PORT', 8188, { min: 1, max: 65_535, integer: true }),
    startAttempts: reader.number('COMFY_MANAGED_START_ATTEMPTS', 10, { min: 1, max: 1000, integer: true }),
    startSleepS: seconds('COMFY_MANAGED_START_SLEEP_S', 1, 300),
    testPayloadPath: testPayload ? underRoot(testPayload) : null,
    readyTimeoutS: seconds('COMFY_MANAGED_READY_TIMEOUT_S', 120, 3600),
    warmupTimeoutS: seconds('COMFY_MANAGED_WARMUP_TIMEOUT_S', 120, 3600),
    stopGraceS: seconds('COMFY_MANAGED_STOP_GRACE_S', 5, 300, false),
    stableAfterS: seconds('COMFY_MANAGED_STABLE_AFTER_S', 60, 86_400, false),
  };
  return command ? values : null;
}

function envNameOf(settingName: string): string {
  return (
    (runtimeSettingSpecs as Record<string, { env: string } | undefined>)[settingName]?.env ?? settingName
  );
}
