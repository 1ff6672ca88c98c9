import type { ComfyNodeError, ComfyInputError } from './responses.js';

/** What went wrong, as data: lets callers map errors without `instanceof` chains. */
export type ComfyErrorKind = 'http' | 'validation' | 'unreachable' | 'timeout' | 'protocol';

/** Base class of every error this package throws. */
export abstract class ComfyError extends Error {
  abstract readonly kind: ComfyErrorKind;
}

/** ComfyUI answered with a non-2xx status. `body` is the response text (often empty for ComfyUI). */
export class ComfyHttpError extends ComfyError {
  override readonly name: string = 'ComfyHttpError';
  readonly kind: ComfyErrorKind = 'http';

  constructor(
    readonly status: number,
    readonly body: string,
    readonly method: string,
    readonly path: string,
    message = `ComfyUI answered ${status} to ${method} ${path}`,
  ) {
    super(message);
  }
}

/**
 * POST /prompt was rejected (400): the graph failed validation.
 * `errorType` is the server's `error.type` (`'no_prompt'` when it sent `error: "no prompt"` as a bare string).
 */
export class ComfyValidationError extends ComfyHttpError {
  override readonly name = 'ComfyValidationError';
  override readonly kind = 'validation';

  constructor(
    body: string,
    path: string,
    readonly errorType: string,
    readonly errorMessage: string,
    readonly details: string,
    readonly extraInfo: Record<string, unknown>,
    /** One entry per node; `[]` when the server sent `node_errors: []` (graph-level errors). */
    readonly nodeErrors: ComfyNodeError[],
  ) {
    super(
      400,
      body,
      'POST',
      path,
      `ComfyUI rejected the prompt: ${errorMessage}${details ? ` (${details})` : ''}`,
    );
  }

  /** Every per-input error, flattened, with its node id and class. */
  get inputErrors(): (ComfyInputError & { nodeId: string; classType: string | null })[] {
    return this.nodeErrors.flatMap((node) =>
      node.errors.map((error) => ({ ...error, nodeId: node.nodeId, classType: node.classType })),
    );
  }

  /** The errors reported for one node, optionally narrowed to one input. */
  errorsFor(nodeId: string, inputName?: string): ComfyInputError[] {
    const node = this.nodeErrors.find((n) => n.nodeId === nodeId);
    if (!node) return [];
    return inputName === undefined ? node.errors : node.errors.filter((e) => e.inputName === inputName);
  }
}

/** ComfyUI could not be reached (connection refused/reset, DNS, socket closed mid-response). */
export class ComfyUnreachableError extends ComfyError {
  override readonly name = 'ComfyUnreachableError';
  readonly kind = 'unreachable';

  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`ComfyUI is unreachable at ${url}${describeCause(options?.cause)}`, options);
  }
}

/** ComfyUI did not answer within the configured time. */
export class ComfyTimeoutError extends ComfyError {
  override readonly name = 'ComfyTimeoutError';
  readonly kind = 'timeout';

  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`ComfyUI did not answer ${url} within ${timeoutMs} ms`);
  }
}

/** A 2xx response whose body is not what the protocol promises (not JSON, wrong shape). */
export class ComfyProtocolError extends ComfyError {
  override readonly name = 'ComfyProtocolError';
  readonly kind = 'protocol';

  constructor(
    message: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`${message} (${path})`);
  }
}

/** True for failures worth retrying on an idempotent call: transient network, timeout, 5xx, 408, 429. */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof ComfyUnreachableError || error instanceof ComfyTimeoutError) return true;
  if (error instanceof ComfyValidationError) return false;
  if (error instanceof ComfyHttpError)
    return error.status >= 500 || error.status === 408 || error.status === 429;
  return false;
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  // undici wraps the real reason (ECONNREFUSED, ...) in `cause` of a generic "fetch failed".
  const inner = cause.cause instanceof Error ? cause.cause : cause;
  const code = (inner as { code?: unknown }).code;
  return `: ${typeof code === 'string' ? code : inner.message}`;
}
