import { SimServer } from './sim-server.js';
import type { ComfySim, SimOptions } from './types.js';

export type { ComfySim, SimFaults, SimOptions } from './types.js';
export { FAIL_MARKER } from './nodes.js';
export { defaultModels, recordedObjectInfo } from './object-info.js';
export { decodePng, encodePng, readPngInfo, type RawImage } from './png.js';
export { dumpsPy, parsePyJson } from './py-json.js';

/**
 * Starts a ComfyUI-protocol simulator (HTTP + /ws) and resolves once it listens.
 * Close it with `close()`; an auto-created data directory is removed then.
 */
export async function startComfySim(opts: SimOptions = {}): Promise<ComfySim> {
  const sim = new SimServer(opts);
  try {
    await sim.start();
  } catch (err) {
    await sim.close();
    throw err;
  }
  return sim;
}
