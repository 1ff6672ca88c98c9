/** Managed mode: Atelier runs ComfyUI itself as a child process (COMFY_MANAGED_COMMAND) and supervises it. */

export const managedComfyStates = ['uninit', 'initializing', 'ready', 'error', 'killed'] as const;
/** `uninit → initializing → ready | error → killed`; a restart goes back to `initializing`. */
export type ManagedComfyState = (typeof managedComfyStates)[number];

export interface ManagedComfyStatus {
  state: ManagedComfyState;
  /** The port ComfyUI was started on (the first free one from COMFY_MANAGED_INITIAL_PORT). */
  port: number | null;
  /** `http://127.0.0.1:<port>`: the URL Atelier talks to while managed. */
  url: string | null;
  /** Process id of the running child; null when none runs. */
  pid: number | null;
  /** Current (or last) start attempt, 1-based, out of COMFY_MANAGED_START_ATTEMPTS. */
  attempt: number;
  /** Restarts after the process died or an admin asked for one. */
  restarts: number;
  last_error: string | null;
  /** The process's last output lines (stdout and stderr), oldest first. */
  last_log_lines: string[];
  /** ISO time the current (or last) process was started. */
  started_at: string | null;
}

/** GET /api/admin/comfy/managed and POST /api/admin/comfy/managed/restart. */
export interface ManagedComfyResponse {
  enabled: boolean;
  status: ManagedComfyStatus | null;
}
