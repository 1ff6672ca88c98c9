import type { BackendId } from '../comfy/backends/backend-directory.js';

export interface InFlight {
  backendId: BackendId;
  ownerId: number;
  /** When ComfyUI started running it (performance.now()); unset while it waits on the backend. */
  runningSince?: number;
}

/** The jobs the backends hold, by prompt id: what the dispatcher counts against capacities and caps. */
export class InFlightJobs extends Map<string, InFlight> {
  /** Jobs held by a backend. */
  load(backendId: BackendId): number {
    let count = 0;
    for (const entry of this.values()) if (entry.backendId === backendId) count += 1;
    return count;
  }

  /** Jobs of an owner held by any backend. */
  ownerLoad(ownerId: number): number {
    let count = 0;
    for (const entry of this.values()) if (entry.ownerId === ownerId) count += 1;
    return count;
  }

  markRunning(promptId: string, at: number): void {
    const entry = this.get(promptId);
    if (entry && entry.runningSince === undefined) entry.runningSince = at;
  }

  /** When the backend's running job started; `now` when its jobs have yet to start; -∞ when it holds none. */
  busySince(backendId: BackendId, now: number): number {
    let since = Number.POSITIVE_INFINITY;
    let holds = false;
    for (const entry of this.values()) {
      if (entry.backendId !== backendId) continue;
      holds = true;
      if (entry.runningSince !== undefined) since = Math.min(since, entry.runningSince);
    }
    if (!holds) return Number.NEGATIVE_INFINITY;
    return Number.isFinite(since) ? since : now;
  }
}
