import type { ManagedComfyState, ManagedComfyStatus } from '@atelier/contract';
import { BehaviorSubject, type Observable } from 'rxjs';

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

/** The supervisor's state machine and the status it publishes; every change is a fresh frozen snapshot. */
export class ManagedState {
  private readonly subject = new BehaviorSubject<Readonly<ManagedComfyStatus>>(
    Object.freeze({
      state: 'uninit',
      port: null,
      url: null,
      pid: null,
      attempt: 0,
      restarts: 0,
      last_error: null,
      last_log_lines: [],
      started_at: null,
    }),
  );
  /** The current status first, then every change. */
  readonly changes$: Observable<Readonly<ManagedComfyStatus>> = this.subject.asObservable();

  get status(): Readonly<ManagedComfyStatus> {
    return this.subject.value;
  }

  get state(): ManagedComfyState {
    return this.subject.value.state;
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

  complete(): void {
    this.subject.complete();
  }

  private publish(next: ManagedComfyStatus): void {
    this.subject.next(Object.freeze({ ...next, last_log_lines: [...next.last_log_lines] }));
  }
}
