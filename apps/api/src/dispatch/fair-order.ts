/**
 * The dispatcher's pure parts: each owner's waiting jobs in their own order, and a smooth weighted
 * round-robin (nginx's) over the owners that may take a slot now. No I/O, no clocks: unit-tested alone.
 */

/** What the queues need of a job. */
export interface QueuedJob {
  promptId: string;
  ownerId: number;
}

/** Each owner's waiting jobs, head first; owners with none are dropped. */
export class OwnerQueues<T extends QueuedJob> {
  private readonly queues = new Map<number, T[]>();

  /** Appends at the owner's tail (jobs are loaded and offered in their order). */
  push(job: T): void {
    this.remove(job.promptId, job.ownerId);
    const queue = this.queues.get(job.ownerId);
    if (queue) queue.push(job);
    else this.queues.set(job.ownerId, [job]);
  }

  /** Puts a job back at its owner's head (a post that did not get through, a retry of a lost job). */
  unshift(job: T): void {
    this.remove(job.promptId, job.ownerId);
    const queue = this.queues.get(job.ownerId);
    if (queue) queue.unshift(job);
    else this.queues.set(job.ownerId, [job]);
  }

  /** Removes a job wherever it is; returns it, or null when it is not queued. */
  remove(promptId: string, ownerId?: number): T | null {
    const owners = ownerId === undefined ? [...this.queues.keys()] : [ownerId];
    for (const owner of owners) {
      const queue = this.queues.get(owner);
      const index = queue?.findIndex((job) => job.promptId === promptId) ?? -1;
      if (!queue || index < 0) continue;
      const [job] = queue.splice(index, 1);
      if (queue.length === 0) this.queues.delete(owner);
      return job ?? null;
    }
    return null;
  }

  /** Moves a job to a 0-based index within its owner's queue (clamped). */
  move(promptId: string, ownerId: number, index: number): boolean {
    const queue = this.queues.get(ownerId);
    const from = queue?.findIndex((job) => job.promptId === promptId) ?? -1;
    if (!queue || from < 0) return false;
    const [job] = queue.splice(from, 1);
    if (!job) return false;
    queue.splice(Math.max(0, Math.min(index, queue.length)), 0, job);
    return true;
  }

  head(ownerId: number): T | null {
    return this.queues.get(ownerId)?.[0] ?? null;
  }

  /** Owners with at least one waiting job, in first-seen order. */
  owners(): number[] {
    return [...this.queues.keys()];
  }

  sizeOf(ownerId: number): number {
    return this.queues.get(ownerId)?.length ?? 0;
  }

  has(promptId: string): boolean {
    for (const queue of this.queues.values()) if (queue.some((job) => job.promptId === promptId)) return true;
    return false;
  }

  get size(): number {
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }
}

export interface Contender {
  id: number;
  /** ≥ 1; a weight of 2 gets twice the turns of a weight of 1 while both have jobs. */
  weight: number;
}

/**
 * Smooth weighted round-robin: every pick, each contender gains its weight; the richest wins and pays
 * the total. Equal weights alternate; 2:1 gives A, B, A, A, B, A…, spread out rather than in bursts.
 * Owners that come and go keep their balance, so one that just got a turn does not get the next.
 */
export class SmoothRoundRobin {
  private readonly balance = new Map<number, number>();
  /** When each owner last won (ties go to the one that waited longest, newcomers first). */
  private readonly lastWon = new Map<number, number>();
  private turn = 0;

  pick(contenders: readonly Contender[]): number | null {
    let best: Contender | null = null;
    let bestBalance = -Infinity;
    let total = 0;
    for (const contender of contenders) {
      const weight = Math.max(1, contender.weight);
      total += weight;
      const balance = (this.balance.get(contender.id) ?? 0) + weight;
      this.balance.set(contender.id, balance);
      const isTie = balance === bestBalance && best !== null;
      if (balance > bestBalance || (isTie && this.wonBefore(contender.id, best!.id))) {
        best = contender;
        bestBalance = balance;
      }
    }
    if (!best) return null;
    this.balance.set(best.id, bestBalance - total);
    this.turn += 1;
    this.lastWon.set(best.id, this.turn);
    return best.id;
  }

  /** An owner with nothing left to wait for starts afresh next time. */
  forget(id: number): void {
    this.balance.delete(id);
  }

  private wonBefore(a: number, b: number): boolean {
    return (this.lastWon.get(a) ?? 0) < (this.lastWon.get(b) ?? 0);
  }
}
