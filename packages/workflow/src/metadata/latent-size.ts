/**
 * The size a sampler generated at: its latent's, from EmptyLatentImage / EmptySD3LatentImage (or any latent node
 * with literal width and height), followed back through latent pass-throughs. A latent encoded from an image, or
 * scaled by a factor, has no size the graph states: null.
 */
import { inputOf, maxDepth, numberInput, type GraphReader } from './graph-reader.js';

export interface LatentSize {
  width: number | null;
  height: number | null;
}

const unknown: LatentSize = { width: null, height: null };
const latentInputs = ['samples', 'latent', 'latent_image', 'samples1', 'samples_to'];

export function readLatentSize(reader: GraphReader, latent: unknown): LatentSize {
  const seen = new Set<string>();
  let linked = reader.follow(latent);
  for (let depth = 0; linked && depth < maxDepth && !seen.has(linked.node.id); depth += 1) {
    const { node } = linked;
    seen.add(node.id);
    // empty_latent_*: loaders that make the latent too (the Efficient Loader).
    const width = numberInput(node, 'width') ?? numberInput(node, 'empty_latent_width');
    const height = numberInput(node, 'height') ?? numberInput(node, 'empty_latent_height');
    if (width !== null && height !== null) return { width, height };
    if (inputOf(node, 'pixels') !== undefined || inputOf(node, 'scale_by') !== undefined) return unknown;
    const next = latentInputs.map((name) => reader.input(node, name)).find((found) => found !== null);
    linked = next ?? null;
  }
  return unknown;
}
