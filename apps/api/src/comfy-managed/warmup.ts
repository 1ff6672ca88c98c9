import {
  ComfyValidationError,
  createComfyClient,
  type ComfyPrompt,
  type ComfyPromptNode,
} from '@atelier/comfy-client';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** A model-free graph every ComfyUI has the nodes for: an 8×8 black image, previewed. */
export const defaultWarmupPrompt: ComfyPrompt = {
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
  '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
};

const probeIntervalMs = 100;

/**
 * The warm-up workflow: the API-format file of COMFY_MANAGED_TEST_PAYLOAD (a node map, or `{ "prompt": … }`
 * as POST /prompt takes it), or the default graph. Throws with a readable reason when the file is unusable.
 */
export async function loadWarmupPrompt(path: string | null): Promise<ComfyPrompt> {
  if (path === null) return defaultWarmupPrompt;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new Error(`COMFY_MANAGED_TEST_PAYLOAD ${path} is not a readable JSON file: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const candidate = isRecord(parsed) && isRecord(parsed.prompt) ? parsed.prompt : parsed;
  if (
    !isRecord(candidate) ||
    Object.keys(candidate).length === 0 ||
    !Object.values(candidate).every(isNode)
  ) {
    throw new Error(
      `COMFY_MANAGED_TEST_PAYLOAD ${path} is not an API-format workflow (an object of nodes with class_type and inputs)`,
    );
  }
  return candidate as ComfyPrompt;
}

/**
 * Resolves once ComfyUI at `baseUrl` answers GET /system_stats. Rejects when `giveUp` settles first
 * (the process exited) or `signal` aborts (timeout, shutdown).
 */
export async function waitUntilAnswering(
  baseUrl: string,
  options: { signal: AbortSignal; giveUp: Promise<string> },
): Promise<void> {
  const client = createComfyClient({ baseUrl, timeoutMs: 2000, maxRetries: 0 });
  let gaveUp: string | null = null;
  void options.giveUp.then((reason) => (gaveUp = reason));
  for (;;) {
    options.signal.throwIfAborted();
    if (gaveUp !== null) throw new Error(gaveUp);
    try {
      await client.systemStats({ signal: options.signal });
      return;
    } catch {
      // Not listening yet.
    }
    await delay(probeIntervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/** Queues the warm-up workflow and waits for it to succeed; throws with ComfyUI's reason otherwise. */
export async function runWarmup(baseUrl: string, prompt: ComfyPrompt, signal: AbortSignal): Promise<void> {
  const client = createComfyClient({ baseUrl, timeoutMs: 30_000, maxRetries: 1 });
  try {
    const { promptId } = await client.queuePrompt(prompt, { clientId: null, signal });
    const outcome = await client.waitForJob(promptId, {
      mode: 'polling',
      pollIntervalMs: probeIntervalMs,
      signal,
    });
    if (outcome.status === 'failed') {
      throw new Error(
        `warm-up workflow failed in node ${outcome.node ?? '?'}: ${outcome.errorType}: ${outcome.message}`,
      );
    }
    if (outcome.status !== 'succeeded') throw new Error(`warm-up workflow ended ${outcome.status}`);
  } catch (error) {
    if (error instanceof ComfyValidationError) {
      const first = error.inputErrors[0];
      const detail = first ? ` (node ${first.nodeId}: ${first.message})` : '';
      throw new Error(`warm-up workflow rejected: ${error.errorMessage}${detail}`, { cause: error });
    }
    throw error;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNode(value: unknown): value is ComfyPromptNode {
  return isRecord(value) && typeof value.class_type === 'string' && isRecord(value.inputs);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
