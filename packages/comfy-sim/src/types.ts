/** Options of {@link startComfySim}. */
export interface SimOptions {
  /** TCP port; default 0 = an ephemeral port. */
  port?: number;
  /** Interface to bind; default '127.0.0.1'. */
  host?: string;
  /** Duration of one sampler step and of every other (non-cached) node; default 20. */
  stepMs?: number;
  /** Holds input/ output/ temp/ (and models/<folder>/); default a fresh temp dir, removed on close(). */
  dataDir?: string;
  /** The node catalogue; default the recorded ComfyUI v0.3.7 object_info (248 classes), shipped in assets/. */
  objectInfo?: Record<string, unknown>;
  /** Binary preview frames after sampler steps; default true. */
  previews?: boolean;
  /**
   * Model names offered per folder (checkpoints, loras, vae, upscale_models, …), replacing the
   * built-in defaults (`{}` = no models, like the recorded server). Files under
   * `<dataDir>/models/<folder>/` are listed too.
   */
  models?: Record<string, string[]>;
  /**
   * Use a client-supplied `prompt_id` (newer ComfyUI does; default true). `false` behaves like the
   * recorded v0.3.7 server, which ignores it and always picks its own uuid.
   */
  honourPromptId?: boolean;
  /** Receives log lines (default: silent). */
  log?: (line: string) => void;
  /** What /system_stats reports as argv (the CLI passes its own). */
  argv?: string[];
}

/** Fault injection; every field is optional, setFaults replaces the whole set. */
export interface SimFaults {
  /** Stop accepting connections (like a dead server); existing sockets are dropped. Clearing listens again. */
  refuseConnections?: boolean;
  /** Hold every HTTP response this long before answering (released early by clearFaults/close). */
  stallMs?: number;
  /** Add this much latency to every HTTP response. */
  delayMs?: number;
  /** Answer 500 text/plain like ComfyUI's crash page: a number = that many responses, true = until cleared. */
  error500?: number | boolean;
  /** Refuse /ws upgrades (HTTP still works). */
  rejectWebSocket?: boolean;
  /** When set, HTTP faults apply only to paths starting with it (checked with and without the /api prefix). */
  pathPrefix?: string;
}

export interface ComfySim {
  /** 'http://127.0.0.1:<port>' */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  setFaults(f: SimFaults): void;
  clearFaults(): void;
  /** Terminate every WebSocket (the server stays up). */
  dropSockets(): void;
  /** Like the process dying: stop listening, drop all sockets, forget queue, history and cache. */
  goDown(): Promise<void>;
  /** Listen again on the same port with fresh in-memory state (files on disk stay). */
  comeBack(): Promise<void>;
  /** goDown + comeBack. */
  restart(): Promise<void>;
  /** Changes the step duration, including the step being waited out right now. */
  setStepMs(ms: number): void;
  /**
   * How many times a POST /prompt queued this prompt id (0 if never). Kept across goDown/comeBack
   * (the requests were made), so tests can check that a client posted each prompt exactly once.
   */
  postedCount(promptId: string): number;
  /** Every prompt id a POST /prompt queued, in arrival order (repeats included). */
  postedPromptIds(): string[];
  close(): Promise<void>;
}
