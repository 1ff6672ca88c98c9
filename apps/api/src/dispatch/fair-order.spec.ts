import { describe, expect, it } from 'vitest';
import { OwnerQueues, SmoothRoundRobin } from './fair-order.js';

const job = (promptId: string, ownerId: number) => ({ promptId, ownerId });

describe('OwnerQueues', () => {
  it("keeps each owner's jobs in their order and drops owners with none", () => {
    const queues = new OwnerQueues();
    queues.push(job('a1', 1));
    queues.push(job('b1', 2));
    queues.push(job('a2', 1));
    expect(queues.owners()).toEqual([1, 2]);
    expect(queues.head(1)?.promptId).toBe('a1');
    expect(queues.remove('a1')?.promptId).toBe('a1');
    expect(queues.head(1)?.promptId).toBe('a2');
    queues.remove('b1');
    expect(queues.owners()).toEqual([1]);
    expect(queues.size).toBe(1);
  });

  it('puts a job back at its head and moves one within its owner', () => {
    const queues = new OwnerQueues();
    for (const id of ['a1', 'a2', 'a3']) queues.push(job(id, 1));
    const first = queues.remove('a1');
    queues.unshift(first!);
    expect(queues.head(1)?.promptId).toBe('a1');
    expect(queues.move('a3', 1, 0)).toBe(true);
    expect(queues.head(1)?.promptId).toBe('a3');
    expect(queues.move('a3', 1, 99)).toBe(true);
    expect(
      [queues.remove('a1', 1), queues.remove('a2', 1), queues.remove('a3', 1)].map((j) => j?.promptId),
    ).toEqual(['a1', 'a2', 'a3']);
    expect(queues.move('a3', 1, 0)).toBe(false);
  });

  it('queues a job once however often it is pushed', () => {
    const queues = new OwnerQueues();
    queues.push(job('a1', 1));
    queues.push(job('a1', 1));
    expect(queues.sizeOf(1)).toBe(1);
  });
});

describe('SmoothRoundRobin', () => {
  it('alternates between owners of equal weight', () => {
    const rr = new SmoothRoundRobin();
    const both = [
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
    ];
    expect(Array.from({ length: 6 }, () => rr.pick(both))).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('gives turns in proportion to weight, spread out', () => {
    const rr = new SmoothRoundRobin();
    const picks = Array.from({ length: 6 }, () =>
      rr.pick([
        { id: 1, weight: 2 },
        { id: 2, weight: 1 },
      ]),
    );
    expect(picks.filter((id) => id === 1)).toHaveLength(4);
    expect(picks.filter((id) => id === 2)).toHaveLength(2);
    expect(picks.slice(0, 3)).toContain(2);
  });

  it('does not hand a newcomer and an owner that just had a turn the same next turn twice', () => {
    const rr = new SmoothRoundRobin();
    expect(rr.pick([{ id: 1, weight: 1 }])).toBe(1);
    expect(rr.pick([{ id: 1, weight: 1 }])).toBe(1);
    const next = [
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
    ];
    expect(rr.pick(next)).toBe(2);
    expect(rr.pick(next)).toBe(1);
  });

  it('picks nobody from nobody', () => {
    expect(new SmoothRoundRobin().pick([])).toBeNull();
  });
});
