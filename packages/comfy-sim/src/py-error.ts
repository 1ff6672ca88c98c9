/**
 * A Python exception as ComfyUI reports it: `exception_type` (full type name), `str(ex)` and a
 * `traceback.format_tb` list. Thrown inside validation and node execution, turned into messages.
 */
export class PyError extends Error {
  override readonly name = 'PyError';

  constructor(
    readonly pyType: string,
    /** `str(ex)` */
    readonly pyMessage: string,
    readonly traceback: string[] = [],
  ) {
    super(`${pyType}: ${pyMessage}`);
  }
}

/** One `traceback.format_tb` entry, shaped like CPython 3.11's. */
export function tbFrame(file: string, line: number, func: string, code: string): string {
  return `  File "${file}", line ${line}, in ${func}\n    ${code}\n`;
}

/** Where the simulated Python source "lives" in tracebacks. */
export const SIM_SRC = '/comfy-sim/comfyui';
