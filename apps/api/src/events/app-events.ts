import type {
  ComfyImageRef,
  JobError,
  JobProgress,
  JobStatus,
  ManagedComfyStatus,
  ObjectInfo,
  ReviewDecision,
  Role,
  RuntimeSettingKey,
  RuntimeSettings,
} from '@atelier/contract';

/**
 * Every event of the in-process bus, by name, with its payload. One map, so a publisher and its
 * subscribers cannot disagree on a shape. Payloads are plain data (ids, snapshots, settings), never
 * services or sockets: the bus may cross processes one day. Preview bytes are the one exception
 * (a Uint8Array), kept binary because base64 would triple their cost for every subscriber.
 */
export interface AppEventMap {
  /** An admin (or the managed ComfyUI server) changed at least one effective runtime setting. */
  'config.changed': RuntimeSettingsChange;
  /** A user was disabled; awaited before the request that disabled them is answered. */
  'user.disabled': { userId: number };
  /** A user was created (by an admin, or with `actor` null at first start). */
  'user.created': { actor: EventActor | null; user: UserRef & { role: Role } };
  /** A user's role and/or disabled flag changed: only what moved is in `changes`. */
  'user.updated': {
    actor: EventActor | null;
    user: UserRef;
    changes: { role?: { from: Role; to: Role }; disabled?: { from: boolean; to: boolean } };
  };
  /** An admin set a temporary password (never carried here) the user must change at next sign-in. */
  'user.password_reset': { actor: EventActor; user: UserRef };
  /**
   * A gallery image was removed for good (row and files) by the trash's purge. `actor` is who moved
   * it to the trash (null when unknown), `trashedAt` when.
   */
  'gallery.image_deleted': {
    actor: EventActor | null;
    image: { id: number; sha256: string; mime: string; promptId: string | null; createdBy: number };
    trashedAt: string;
  };
  /** Images moved to the trash (only those that were not there already). */
  'gallery.images_trashed': { actor: EventActor; ids: number[] };
  /** Images taken back out of the trash (by hand, or by keeping their bytes again). */
  'gallery.images_restored': { actor: EventActor; ids: number[] };

  /** A batch of review decisions (submit, approve, reject); `ids` are the images it changed. */
  'gallery.images_reviewed': {
    actor: EventActor;
    decision: Exclude<ReviewDecision, 'withdrawn'>;
    ids: number[];
    note: string | null;
  };
  /**
   * A new gallery row was kept (upload, from a job, auto-capture); never for bytes kept already (a duplicate).
   * `actor` is who kept it (null when Atelier did on its own); `createdBy` owns it.
   */
  'gallery.image_kept': {
    actor: EventActor | null;
    image: { id: number; createdBy: number; promptId: string | null };
  };

  /** The last cell of a sweep ended (whatever each cell's outcome); `failed` counts every cell not succeeded. */
  'sweep.finished': { sweepId: string; ownerId: number; total: number; succeeded: number; failed: number };

  /**
   * A backend's client was (re)built or dropped; read the new one from ComfyPool. `backendId` absent: the
   * default backend (so for every event below that carries one).
   */
  'comfy.wiring_changed': { enabled: boolean; generation: number | null; backendId?: number };
  /** The socket to a backend opened, dropped, is retrying or gave up. */
  'comfy.connection': {
    backendId?: number;
    generation: number;
    state: 'open' | 'closed' | 'reconnecting' | 'gave_up';
    isReconnect: boolean;
  };
  /** One execution message from a backend's socket (every type but `progress`): metrics count and log them. */
  'comfy.execution': ComfyExecutionEvent;
  /** ComfyUI's own `status` message: how many prompts it still has to run. */
  'comfy.queue_status': { generation: number; queueRemaining: number; backendId?: number };
  /** A fresh copy of `/object_info` came from ComfyUI (not a cache hit, not a stale copy). */
  'comfy.object_info_refreshed': { info: ObjectInfo; fetchedAt: Date };
  /** The ComfyUI process Atelier supervises (managed mode) died: its in-memory queue died with it. */
  'comfy.server_exited': { reason: string; backendId?: number };
  /** A backend answers again (or for the first time), or its socket reconnected: its jobs take a fresh look. */
  'comfy.backend_reachable': { backendId: number; reason: string };
  /** An admin added, changed or removed a ComfyUI backend (audited). */
  'comfy.backends_changed': {
    actor: EventActor;
    backend: { id: number; name: string };
    change: 'created' | 'updated' | 'removed';
    /** What moved, for `updated` (URLs included: admins only read the audit). */
    changes: Record<string, { from: unknown; to: unknown }>;
  };
  /**
   * A curator saved a workflow template (`created`: a new name) or a new version of one (audited);
   * `shadowsFile`: it is the first saved version of a shipped template's name.
   */
  'comfy.template_saved': {
    actor: EventActor;
    name: string;
    version: string;
    created: boolean;
    shadowsFile: boolean;
  };
  /** The managed ComfyUI process changed state or status (managed mode only). */
  'comfy.managed_status': Readonly<ManagedComfyStatus>;

  /** The readiness of a backend changed (connected, healthy, enabled, not draining): the dispatcher looks again. */
  'comfy.backend_state': { backendId: number; accepting: boolean };

  /** A job joined its owner's queue in Atelier (the ledger row is `waiting`); not yet posted anywhere. */
  'job.waiting': JobEvent;
  /** ComfyUI accepted a job (it is in the queue of backend `backendId` under `promptId`). */
  'job.queued': JobEvent & { workflow: Record<string, unknown>; backendId: number };
  /** Its place in ComfyUI's queue moved (0 = next). */
  'job.position': JobEvent;
  /** ComfyUI started executing it. */
  'job.running': JobEvent;
  'job.progress': JobEvent & { progress: JobProgress };
  /** A sampler preview (JPEG or PNG bytes). */
  'job.preview': JobEvent & { format: 'jpeg' | 'png'; mimeType: string; bytes: Uint8Array };
  /** How the job is followed changed: polling while ComfyUI's socket is down, or not at all while the integration is off. */
  'job.tracking': JobEvent & { via: 'socket' | 'polling' | 'stopped' };
  'job.succeeded': JobEvent & JobEnd;
  'job.failed': JobEvent & JobEnd;
  'job.interrupted': JobEvent & JobEnd;
  /** ComfyUI no longer knows the job (it restarted or dropped it). */
  'job.lost': JobEvent & JobEnd;

  /**
   * Atelier switched off a webhook endpoint whose every delivery failed for days; its owner sees `reason` on
   * the endpoint (there is no mail).
   */
  'webhook.disabled': { endpointId: number; ownerId: number; url: string; reason: string };
  /** Someone added, changed or deleted a webhook endpoint (audited); `changes` as for backends, never a secret. */
  'webhook.endpoint_changed': {
    actor: EventActor;
    endpoint: { id: number; ownerId: number; url: string };
    change: 'created' | 'updated' | 'deleted';
    changes: Record<string, unknown>;
  };
  /** Someone made or revoked an API key (audited); never its secret or hash. */
  'api_key.changed': {
    actor: EventActor;
    key: { id: number; ownerId: number; name: string };
    change: 'created' | 'revoked';
    details: Record<string, unknown>;
  };
  /** Someone made or revoked a share link (audited); never its token or password. */
  'share.changed': {
    actor: EventActor;
    share: { id: number; ownerId: number; kind: string };
    change: 'created' | 'revoked';
    details: Record<string, unknown>;
  };

  /** An admin changed a role's caps (only what moved is in `changes`); audited. */
  'queue.limits_changed': {
    actor: EventActor;
    role: Role;
    changes: Record<string, { from: number | null; to: number | null }>;
  };
}

export type AppEventName = keyof AppEventMap;

/** The events about one job (their payloads extend JobEvent). */
export type JobEventName = Extract<AppEventName, `job.${string}`>;

/** The events that end a job, whatever the outcome. */
export const jobEndEvents = ['job.succeeded', 'job.failed', 'job.interrupted', 'job.lost'] as const;

/**
 * What an ended job cost, for accounting and metrics. The tracker sets every field; they are optional
 * only so a job ended outside it (a test's event) still type-checks, and counts as never having run.
 */
export interface JobEnd {
  /** The backend it ran on; null when it never left Atelier's queue. */
  backendId?: number | null;
  /** The owner's role when it was queued (null for jobs recorded before roles were kept). */
  ownerRole?: Role | null;
  /** ComfyUI's execution_start to its end (cached nodes cost nothing); 0 when it never ran; null when unknown. */
  gpuSeconds?: number | null;
}

/** The payload of any end event. */
export type JobEndEvent = AppEventMap[(typeof jobEndEvents)[number]];

export interface RuntimeSettingsChange {
  previous: Readonly<RuntimeSettings>;
  current: Readonly<RuntimeSettings>;
  changedKeys: RuntimeSettingKey[];
  /** The admin who changed them; null when Atelier did (the managed ComfyUI server, a script). */
  actor: EventActor | null;
}

/** Who did something, as they were named at that moment. */
export interface EventActor {
  id: number;
  username: string;
}

export interface UserRef {
  id: number;
  username: string;
}

/** What the API knows of a job at one moment (the tracker's live copy, or the ledger's). */
export interface JobSnapshot {
  status: JobStatus;
  queuePosition: number | null;
  progress: JobProgress | null;
  images: ComfyImageRef[];
  error: JobError | null;
}

/** Every job event names the job and carries its state right after the change. */
export interface JobEvent {
  promptId: string;
  ownerId: number;
  job: JobSnapshot;
}

/** ComfyUI's execution messages, as `comfy.execution` carries them (`progress` is left out: one per sampler step). */
export const comfyExecutionTypes = [
  'execution_start',
  'execution_cached',
  'executing',
  'executed',
  'execution_success',
  'execution_error',
  'execution_interrupted',
] as const;
export type ComfyExecutionType = (typeof comfyExecutionTypes)[number];

export interface ComfyExecutionEvent {
  backendId: number;
  promptId: string;
  type: ComfyExecutionType;
  /** The node it is about (`executing`, `executed`, where an error or interrupt stopped); null otherwise. */
  node: string | null;
  /** The node's class when ComfyUI names it (errors and interrupts); null otherwise. */
  nodeType: string | null;
  /** `execution_cached`: the nodes ComfyUI skipped. */
  nodes?: string[];
  /** When it arrived here (ms since the epoch). */
  at: number;
  /** ComfyUI's own timestamp (ms) when the message carries one. */
  comfyAt: number | null;
}
