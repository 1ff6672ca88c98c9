import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  spawnError: Error | null;
}

export type OutputStream = 'stdout' | 'stderr';

export interface SpawnOptions {
  cwd: string;
  /** How many output lines `lastLines` keeps. */
  keepLines?: number;
  onLine?: (line: string, stream: OutputStream) => void;
}

const maxLineLength = 2000;
/** After the process exits, how long to wait for the rest of its output before reporting the exit. */
const outputDrainMs = 500;

/**
 * One child process in its own process group (`detached`), so that stopping it also stops what it started
 * (shell wrappers, Python workers). Keeps its last output lines; `stop` sends SIGTERM to the group, then
 * SIGKILL after a grace period. Whatever is left of the group when the leader exits is killed, and the
 * group is killed too if Atelier's own process exits first, so no orphan survives us.
 */
export class ManagedProcess {
  readonly startedAt = new Date();
  /** Resolves once the process has exited (and its group has been cleaned up); never rejects. */
  readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | null = null;
  private stopping: Promise<ProcessExit> | null = null;
  private readonly lines: string[] = [];
  private readonly keepLines: number;
  private readonly killGroupOnExit = () => this.signalGroup('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: SpawnOptions,
  ) {
    this.keepLines = options.keepLines ?? 50;
    const streamsClosed = Promise.all([
      this.collect(child.stdout, 'stdout'),
      this.collect(child.stderr, 'stderr'),
    ]);
    this.exited = new Promise<ProcessExit>((resolve) => {
      const finish = (exit: ProcessExit) => {
        if (this.exit) return;
        this.exit = exit;
        // Leftovers of the group (a worker of a crashed server, the child of a killed wrapper) go too.
        this.signalGroup('SIGKILL');
        process.removeListener('exit', this.killGroupOnExit);
        void Promise.race([streamsClosed, delay(outputDrainMs)]).then(() => resolve(exit));
      };
      child.once('exit', (code, signal) => finish({ code, signal, spawnError: null }));
      child.once('error', (error) => {
        // 'error' also reports a failed kill; only a process that never started ends here.
        if (child.pid === undefined) finish({ code: null, signal: null, spawnError: error });
      });
    });
    if (child.pid !== undefined) process.once('exit', this.killGroupOnExit);
  }

  /** Starts `command` (program and arguments; never through a shell). */
  static spawn(command: readonly string[], options: SpawnOptions): ManagedProcess {
    const [program, ...args] = command;
    if (program === undefined) throw new Error('empty command');
    const child = spawn(program, args, {
      cwd: options.cwd,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ManagedProcess(child, options);
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** The last output lines of stdout and stderr, oldest first. */
  get lastLines(): string[] {
    return [...this.lines];
  }

  /** SIGTERM to the process group, SIGKILL when it has not exited after `graceMs`. Safe to call twice. */
  stop(graceMs: number): Promise<ProcessExit> {
    this.stopping ??= (async () => {
      if (this.exit) return this.exited;
      this.signalGroup('SIGTERM');
      const exited = await Promise.race([this.exited, delay(graceMs).then(() => null)]);
      if (exited) return exited;
      this.signalGroup('SIGKILL');
      return this.exited;
    })();
    return this.stopping;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private collect(stream: Readable | null, name: OutputStream): Promise<void> {
    if (!stream) return Promise.resolve();
    stream.setEncoding('utf8');
    let pending = '';
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) this.addLine(part, name);
    });
    return new Promise((resolve) => {
      stream.once('close', () => {
        if (pending) this.addLine(pending, name);
        pending = '';
        resolve();
      });
    });
  }

  private addLine(raw: string, stream: OutputStream): void {
    // Progress bars redraw with \r: keep what a terminal would show last.
    const line = (raw.split('\r').findLast((part) => part.trim() !== '') ?? '')
      .trimEnd()
      .slice(0, maxLineLength);
    if (!line) return;
    this.lines.push(line);
    if (this.lines.length > this.keepLines) this.lines.shift();
    this.options.onLine?.(line, stream);
  }
}

/** "exited with code 3", "was killed by SIGKILL", "could not be started: spawn python3 ENOENT". */
export function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not be started: ${exit.spawnError.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}
