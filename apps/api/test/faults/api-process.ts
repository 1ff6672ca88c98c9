import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testAdmin } from '../test-app.js';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
export const apiMain = join(repoRoot, 'apps/api/dist/main.js');
export const simCli = join(repoRoot, 'packages/comfy-sim/dist/cli.js');

/**
 * Fault tests kill the server with SIGKILL, so it runs as a process of its own: the built one
 * (`npm test` builds before the test stage). Without a build they fail, saying so; they never skip.
 */
export function requireBuilt(...files: string[]): void {
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `The fault tests run the built programs, and ${missing.join(', ')} is missing: ` +
        'build first with `pnpm --filter "@atelier/api..." run build` (npm test does it).',
    );
  }
}

/** A port the OS just handed out (free now; nobody else should take it in the next instant). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * A child process in a process group of its own (`detached`), so `kill()` reaches whatever it started
 * too. Its output is kept for error messages.
 */
export class ChildGroup {
  output = '';
  exited: Promise<void>;
  private done = false;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.done = true;
        resolve();
      });
      child.once('error', () => {
        this.done = true;
        resolve();
      });
    });
  }

  static spawn(command: string, args: string[], env: Record<string, string>): ChildGroup {
    return new ChildGroup(
      spawn(command, args, {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      }),
    );
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`The process did not start: ${this.output}`);
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Sends `signal` to the whole group and waits until the child is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    await this.exited;
  }

  /** Polls `url` until it answers 200; fails early, with the output, if the process ends. */
  async waitUntilServing(url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.done) throw new Error(`The process ended before serving ${url}:\n${this.output}`);
      try {
        const response = await fetch(url);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${url} did not answer in time:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export interface ApiProcessOptions {
  rootDir: string;
  env?: Record<string, string>;
  /** RLIMIT_FSIZE of the server, in KiB (`ulimit -f` in 1024-byte blocks): writing past it fails with EFBIG. */
  maxFileKiB?: number;
}

/** The built API (`node apps/api/dist/main.js`) on a free loopback port, data in `rootDir`. */
export class ApiProcess {
  private constructor(
    readonly group: ChildGroup,
    readonly url: string,
  ) {}

  static async start(options: ApiProcessOptions): Promise<ApiProcess> {
    requireBuilt(apiMain);
    const port = await freePort();
    const env = {
      ATELIER_ROOT_DIR: options.rootDir,
      ATELIER_WEB_DIST_DIR: 'apps/web/dist',
      PORT: String(port),
      LOG_LEVEL: 'silent',
      ATELIER_ADMIN_USERNAME: testAdmin.username,
      ATELIER_ADMIN_PASSWORD: testAdmin.password,
      ...options.env,
    };
    const group =
      options.maxFileKiB === undefined
        ? ChildGroup.spawn(process.execPath, [apiMain], env)
        : // bash counts `ulimit -f` in 1024-byte blocks (POSIX sh may count 512): the test reads the real limit back.
          ChildGroup.spawn(
            'bash',
            ['-c', `ulimit -f ${options.maxFileKiB} && exec "$0" "$@"`, process.execPath, apiMain],
            env,
          );
    const api = new ApiProcess(group, `http://127.0.0.1:${port}`);
    try {
      await group.waitUntilServing(`${api.url}/api/health`);
    } catch (error) {
      await group.kill();
      throw error;
    }
    return api;
  }

  /** The process's RLIMIT_FSIZE in bytes as the kernel applies it (null: unlimited), from /proc. */
  maxFileBytes(): number | null {
    const limits = readFileSync(`/proc/${this.group.pid}/limits`, 'utf8');
    const line = limits.split('\n').find((text) => text.startsWith('Max file size'));
    const soft = line?.replace('Max file size', '').trim().split(/\s+/)[0];
    if (soft === undefined) throw new Error(`No file size limit in /proc/${this.group.pid}/limits`);
    return soft === 'unlimited' ? null : Number(soft);
  }

  /** Signs in as the first admin; returns the Authorization header. */
  async adminBearer(): Promise<{ Authorization: string }> {
    const response = await fetch(`${this.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(testAdmin),
    });
    if (response.status !== 200) throw new Error(`Login failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { access_token: string };
    return { Authorization: `Bearer ${body.access_token}` };
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.group.kill(signal);
  }
}

/** POST /api/comfy/ingest (multipart) with fetch: status and parsed body. */
export async function ingestOver(
  url: string,
  bearer: { Authorization: string },
  image: Buffer,
  name = 'image.png',
): Promise<{ status: number; body: unknown }> {
  const form = new FormData();
  form.append('file', new Blob([image], { type: 'image/png' }), name);
  const response = await fetch(`${url}/api/comfy/ingest`, { method: 'POST', headers: bearer, body: form });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: kept as text for the assertion message
  }
  return { status: response.status, body };
}
