import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeExit, ManagedProcess } from '../src/comfy-managed/process-supervisor.js';
import { fixture, isGone, liveGroupMembers, waitFor } from './fixtures/managed/helpers.js';

let dir: string;
const started: ManagedProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-managed-'));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => child.stop(0)));
  await rm(dir, { recursive: true, force: true });
});

function start(command: string[], keepLines?: number): ManagedProcess {
  const child = ManagedProcess.spawn(command, { cwd: dir, ...(keepLines ? { keepLines } : {}) });
  started.push(child);
  return child;
}

describe('ManagedProcess', () => {
  it('keeps the last lines of stdout and stderr and reports how it ended', async () => {
    const child = start(
      [
        'sh',
        '-c',
        'i=1; while [ $i -le 80 ]; do echo "out $i"; i=$((i+1)); done; printf "err\\rfinal err" >&2; exit 4',
      ],
      50,
    );
    const exit = await child.exited;
    expect(describeExit(exit)).toBe('exited with code 4');
    expect(child.lastLines).toHaveLength(50);
    expect(child.lastLines[0]).toBe('out 32');
    // A \r redraw keeps what a terminal shows; a last line without \n is kept too.
    expect(child.lastLines.at(-1)).toBe('final err');
    expect(child.hasExited).toBe(true);
  });

  it('reports a program that cannot be started', async () => {
    const child = start(['atelier-no-such-program-here']);
    expect(child.pid).toBeNull();
    expect(describeExit(await child.exited)).toMatch(
      /^could not be started: spawn atelier-no-such-program-here ENOENT/,
    );
  });

  it('stops the process group with SIGTERM, children included', async () => {
    const child = start(['sh', fixture('never-ready.sh'), join(dir, 'pids.txt')]);
    const [script, sleeper] = await waitFor(() => {
      const pids = existsSync(join(dir, 'pids.txt')) ? readFileSync(join(dir, 'pids.txt'), 'utf8') : '';
      const both = pids.split('\n').filter(Boolean).map(Number);
      return both.length === 2 ? both : null;
    }, 'the script and its child to start');
    expect(script).toBe(child.pid);

    const exit = await child.stop(5000);

    expect(exit.signal).toBe('SIGTERM');
    expect(isGone(script ?? 0)).toBe(true);
    await waitFor(() => isGone(sleeper ?? 0, { allowZombie: true }), 'the sleeping child to be gone', 2000);
  });

  it('SIGKILLs a process that outlives SIGTERM after the grace period, then cleans up its group', async () => {
    const child = start(['sh', fixture('wrapper.sh'), '--ignore-sigterm', 'sleep', '600']);
    await waitFor(() => child.lastLines.some((line) => line.startsWith('wrapper ')), 'the wrapper to start');
    const pid = child.pid ?? 0;

    const before = Date.now();
    const exit = await child.stop(300);
    const took = Date.now() - before;

    expect(exit.signal).toBe('SIGKILL');
    expect(took).toBeGreaterThanOrEqual(280);
    expect(child.lastLines).toContain('wrapper: ignoring SIGTERM');
    expect(isGone(pid)).toBe(true);
    expect(liveGroupMembers(pid)).toEqual([]);
    // Stopping again is harmless and answers the same exit.
    expect(await child.stop(300)).toBe(exit);
  });

  it('kills what is left of the group when the leader dies on its own', async () => {
    const child = start(['sh', '-c', 'sleep 600 & echo "sleeper $!"; exit 2']);
    const exit = await child.exited;
    expect(exit.code).toBe(2);
    const sleeper = Number(/^sleeper (\d+)$/.exec(child.lastLines[0] ?? '')?.[1]);
    await waitFor(() => isGone(sleeper, { allowZombie: true }), 'the orphaned sleeper to be gone', 2000);
  });
});
