import type { ApiPrompt } from '@atelier/workflow';
import type { ComfyWiring } from '../comfy.service.js';

export type BackendId = number;

/** A ComfyUI server as the dispatcher sees it. */
export interface DispatchBackend {
  id: BackendId;
  name: string;
  /** Connected, healthy, enabled and not draining: may take new jobs. */
  accepting: boolean;
  /** Jobs it may hold at once (running + prefetched): 1 + comfy_prefetch setting (default 1). */
  capacity: number;
  /** Today's wiring shape (client, probe, socket…) for that backend. */
  wiring: ComfyWiring;
  /** What the graph needs that this backend lacks ([] = it can run it); node classes and models from its object_info. */
  missing(prompt: ApiPrompt): string[];
}

/**
 * The configured ComfyUI servers, for the ledger (can any run this graph?) and the dispatcher (which
 * may take it now?). ComfyPool is the one bound in ComfyModule.
 * Publish `comfy.backend_state` when a backend's `accepting` changes, so the dispatcher looks again.
 */
export abstract class BackendDirectory {
  /** Every configured backend, accepting or not (empty while the integration is off). */
  abstract list(): readonly DispatchBackend[];
  abstract get(id: BackendId): DispatchBackend | null;
  /** The backend of jobs recorded before there was more than one (their backend_id is null). */
  abstract defaultId(): BackendId;
}
