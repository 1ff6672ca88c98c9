// The only reader of import.meta.env: everything else imports these typed values.
const env = import.meta.env;

function trimTrailingSlash(value: string): string {
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

export const appConfig = {
  appName: 'Atelier',
  /** Base of every API call; same-origin by default so the auth cookies travel with it. */
  apiBaseUrl: trimTrailingSlash(typeof env.VITE_API_BASE_URL === 'string' ? env.VITE_API_BASE_URL : '/api'),
  isDev: env.DEV,
  /** How long a toast stays up, by kind (ms). Errors linger so they can be read. */
  toastTimeoutMs: { info: 5000, success: 4000, warning: 7000, error: 9000 },
  /** Toasts beyond this are dropped, oldest first. */
  maxToasts: 4,
  /** How often the ComfyUI health is polled (ms): slower while up, faster while it is down. */
  comfyHealthPollMs: { up: 5000, down: 2000 },
  /** localStorage key of the Generate form's draft. */
  generateDraftStorageKey: 'atelier.generate.draft',
  /** Gallery images fetched per page. */
  galleryPageSize: 60,
  /** localStorage key of the light/dark preference. */
  colorSchemeStorageKey: 'atelier.color-scheme',
  /** localStorage key of the opt-in to system notifications when a job ends in a hidden tab. */
  jobNoticesStorageKey: 'atelier.job-notices',
} as const;
