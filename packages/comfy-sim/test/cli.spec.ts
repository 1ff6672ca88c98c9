import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { parseArgs } from '../src/cli-args.js';
import { startComfySim, type ComfySim } from '../src/index.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const cliJs = `${pkgDir}dist/cli.js`;

/** Builds dist/ when it is missing or older than the CLI source, so the real entry point is tested. */
beforeAll(() => {
  const stale = !existsSync(cliJs) || statSync(cliJs).mtimeMs < statSync(`${pkgDir}src/cli.ts`).mtimeMs;
  if (stale)
    execFileSync(process.execPath, [
      `${pkgDir}../../node_modules/typescript/bin/tsc`,
      '-p',
      `${pkgDir}tsconfig.build.json`,
    ]);
}, 60_000);

function spawnCli(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [cliJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitForLine(output: () => string, re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(output());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no line matching ${re} in:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('CLI', () => {
  const children: ChildProcess[] = [];
  let sim: ComfySim | undefined;

  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    await sim?.close();
    sim = undefined;
  });

  it('parses its flags and ComfyUI’s (--listen, ignored --cpu and unknown flags with values)', () => {
    const { opts } = parseArgs([
      '--cpu',
      '--output-directory',
      '/x',
      '--port',
      '9001',
      '--listen',
      '127.0.0.1',
      '--step-ms=5',
      '--weird',
    ]);
    expect(opts).toMatchObject({ port: 9001, host: '127.0.0.1', stepMs: 5 });
    expect(parseArgs(['--listen']).opts.host).toBe('0.0.0.0');
    expect(() => parseArgs(['--port', 'abc'])).toThrow(/--port/);
  });

  it('starts, announces its URL like ComfyUI, answers, and exits cleanly on SIGTERM', async () => {
    const cli = spawnCli(['--port', '0', '--listen', '127.0.0.1', '--cpu', '--step-ms', '1']);
    children.push(cli.child);
    const [, url] = await waitForLine(cli.output, /To see the GUI go to: (http:\/\/127\.0\.0\.1:\d+)/);
    const res = await fetch(`${url}/system_stats`);
    expect(res.status).toBe(200);
    const stats = (await res.json()) as { system: { argv: string[] } };
    expect(stats.system.argv).toContain('--cpu');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('exits non-zero with a message when the port is taken', async () => {
    sim = await startComfySim();
    const cli = spawnCli(['--port', String(sim.port)]);
    children.push(cli.child);
    expect(await cli.exited).not.toBe(0);
    expect(cli.output()).toMatch(/already in use/);
  });
});
