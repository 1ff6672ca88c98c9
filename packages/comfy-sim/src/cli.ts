#!/usr/bin/env node
/**
 * comfy-sim CLI: `node dist/cli.js --port 8188 --host 127.0.0.1 --step-ms 100 --data-dir ./x`.
 * Also takes ComfyUI's own `--listen <host>` and ignores its other flags (`--cpu`, …), so it can
 * stand in for `python main.py` in "managed ComfyUI" mode.
 */
import { parseArgs, USAGE, type CliArgs } from './cli-args.js';
import { startComfySim } from './index.js';

async function main(): Promise<void> {
  let parsed: CliArgs;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`comfy-sim: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(USAGE);
    return;
  }
  const { opts } = parsed;
  try {
    const sim = await startComfySim({
      ...opts,
      argv: ['main.py', ...process.argv.slice(2)],
      log: (line) => console.log(line),
    });
    console.log(`comfy-sim: data in ${sim.dataDir}`);
    console.log(`To see the GUI go to: ${sim.url}`);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      console.log(`comfy-sim: ${signal}, shutting down`);
      sim.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      console.error(`comfy-sim: port ${opts.port} on ${opts.host} is already in use`);
    else console.error(`comfy-sim: could not start: ${e.message}`);
    process.exit(1);
  }
}

await main();
