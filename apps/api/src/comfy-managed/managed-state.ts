import type { ManagedComfyState, ManagedComfyStatus } from '@atelier/contract';

/** Where each state may go; `initializing → initializing` is the next start attempt. */
const allowedTransitions: Record<ManagedComfyState, readonly ManagedComfyState[]> = {
  uninit: ['initializing', 'killed'],
  initializing: ['initializing', 'ready', 'error', 'killed'],
  ready: ['initializing', 'killed'],
  error: ['initializing', 'killed'],
  killed: [],
};

export type ManagedStatusPatch = Partial<Omit<ManagedComfyStatus, 'state'>>;

export class InvalidTransitionError extends Error {
  constructor(from: ManagedComfyState, to: ManagedComfyState) {
    super(`Managed ComfyUI cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export function canTransition(from: ManagedComfyState, to: ManagedComfyState): boolean {
  return allowedTransitions[from].includes(to);
}

/**
 * The supervisor's state machine; every change is a fresh frozen snapshot, so holding one is safe, and is
 * handed to `onChange`.
 */
export class ManagedState {
  private current: Readonly<ManagedComfyStatus> = Object.freeze({
    state: 'uninit',
    port: null,
    url: null,
    pid: null,
    attempt: 0,
    restarts: 0,
    last_error: null,
    last_log_lines: [],
    started_at: null,
  });

  constructor(private readonly onChange: (status: Readonly<ManagedComfyStatus>) => void = () => {}) {}

  get status(): Readonly<ManagedComfyStatus> {
    return this.current;
  }

  get state(): ManagedComfyState {
    return this.current.state;
  }

  /** Moves to `to` (throws InvalidTransitionError when the machine does not allow it) and applies `patch`. */
  transition(to: ManagedComfyState, patch: ManagedStatusPatch = {}): void {
    if (!canTransition(this.state, to)) throw new InvalidTransitionError(this.state, to);
    this.publish({ ...this.status, ...patch, state: to });
  }

  /** Changes fields without changing state. */
  update(patch: ManagedStatusPatch): void {
    this.publish({ ...this.status, ...patch });
  }

  private publish(next: ManagedComfyStatus): void {
    this.current = Object.freeze({ ...next, last_log_lines: [...next.last_log_lines] });
    this.onChange(this.current);
  }
}
