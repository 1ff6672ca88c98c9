import { parseBooleanWord } from '../common/boolean-words.js';
import { checkNumber, describeNumber, parseNumberWord } from './runtime-settings.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every bad variable at once, each naming the variable and what it accepts. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Collects problems instead of stopping at the first, so one boot shows them all. */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** An empty value counts as unset (compose files often write `VAR=`). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  read<T>(
    name: string,
    accepts: string,
    parse: (raw: string) => T | undefined,
    secret = false,
  ): T | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    const value = parse(raw);
    if (value === undefined) {
      const got = secret ? `${raw.length} characters` : JSON.stringify(raw);
      this.problems.push(`${name} must be ${accepts} (got ${got})`);
    }
    return value;
  }

  number(name: string, fallback: number, rule: Parameters<typeof checkNumber>[1]): number {
    return (
      this.read(name, describeNumber(rule), (raw) => checkNumber(parseNumberWord(raw), rule)) ?? fallback
    );
  }

  boolean(name: string, fallback: boolean): boolean {
    return this.read(name, 'a boolean (true/false, 1/0, yes/no, on/off)', parseBooleanWord) ?? fallback;
  }

  /** The largest upload of a kind (gallery ingest, ComfyUI input images): 25 MiB unless set. */
  uploadBytes(name: string): number {
    return this.number(name, 25 * 1024 * 1024, {
      min: 1024,
      max: 1024 * 1024 * 1024,
      integer: true,
      unit: 'bytes',
    });
  }

  /** The largest decoded image (width × height) of a kind; guards against decompression bombs. */
  imagePixels(name: string): number {
    return this.number(name, 8192 * 8192, { min: 1, max: 1_000_000_000, integer: true });
  }
}
