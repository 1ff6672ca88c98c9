import { resolve } from 'node:path';

import type { SimOptions } from './types.js';

export interface CliArgs {
  opts: SimOptions;
  help: boolean;
}

/** Flags whose next argument is their value (so an unknown one does not swallow the next flag). */
const VALUE_FLAGS = new Set(['--port', '--host', '--listen', '--step-ms', '--data-dir']);

export function parseArgs(argv: string[]): CliArgs {
  const opts: SimOptions = { port: 8188, host: '127.0.0.1' };
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag = '', inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
        opts.port = port;
        break;
      }
      case '--host':
      case '--listen': {
        // ComfyUI's bare `--listen` means all interfaces.
        const next = argv[i + 1];
        opts.host = inline ?? (next !== undefined && !next.startsWith('--') ? value() : '0.0.0.0');
        break;
      }
      case '--step-ms': {
        const ms = Number(value());
        if (!Number.isFinite(ms) || ms < 0) throw new Error('--step-ms must be a non-negative number');
        opts.stepMs = ms;
        break;
      }
      case '--data-dir':
        opts.dataDir = resolve(value());
        break;
      case '--no-previews':
        opts.previews = false;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        // Unknown ComfyUI flags (--cpu, --disable-auto-launch, --output-directory x, …) are ignored.
        if (VALUE_FLAGS.has(flag)) value();
    }
  }
  return { opts, help };
}

export const USAGE = `usage: comfy-sim [--port 8188] [--host|--listen 127.0.0.1] [--step-ms 20] [--data-dir DIR] [--no-previews]
Without --data-dir a temporary directory is used (and removed on exit).
Unknown flags (ComfyUI's --cpu, …) are ignored.`;
