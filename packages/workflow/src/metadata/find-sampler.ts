/**
 * Which sampler made the image: the one whose result reaches an output node (SaveImage before previews, lowest id
 * first), then — for a hires fix or split sigmas, where a second sampler refines the first one's latent — the first
 * (base) pass upstream of it, whose seed, prompt and size are the ones a person would search for.
 */
import { entriesOf, hasLinkInput, maxDepth, type GraphNode, type GraphReader } from './graph-reader.js';

const samplerClasses = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);

const saveClasses = new Set([
  'SaveImage',
  'SaveAnimatedWEBP',
  'SaveAnimatedPNG',
  'SaveImageWebsocket',
  'Image Save',
]);

/** Inputs that carry the picture itself (pixels or latents), as opposed to models, conditioning or masks. */
const imageInput = /^(images?\d*|image_[a-z\d]+|samples\d*|pixels|latents?|latent_image|source|destination)$/;

/** Custom samplers (KSampler (Efficient), Inspire's, …) look like KSampler: a latent in, conditioning or a guider. */
export function isSampler(node: GraphNode): boolean {
  if (samplerClasses.has(node.classType)) return true;
  const conditioned = hasLinkInput(node, 'positive') || hasLinkInput(node, 'guider');
  return hasLinkInput(node, 'latent_image') && conditioned;
}

function outputRank(node: GraphNode): number | null {
  if (!hasLinkInput(node, 'images')) return null;
  if (saveClasses.has(node.classType) || /save/i.test(node.classType)) return 0;
  if (/preview/i.test(node.classType)) return 1;
  return null;
}

/** The nearest sampler upstream of `start` through picture-carrying inputs (breadth first, bounded). */
function samplerUpstream(reader: GraphReader, start: GraphNode, visited: Set<string>): GraphNode | null {
  let frontier: GraphNode[] = [start];
  for (let depth = 0; depth < maxDepth && frontier.length; depth += 1) {
    const next: GraphNode[] = [];
    for (const node of frontier) {
      for (const [name, value] of entriesOf(node)) {
        if (!imageInput.test(name)) continue;
        const linked = reader.follow(value);
        if (!linked || visited.has(linked.node.id)) continue;
        visited.add(linked.node.id);
        if (isSampler(linked.node)) return linked.node;
        next.push(linked.node);
      }
    }
    frontier = next;
  }
  return null;
}

/** The sampler that made what the outputs show, or the first sampler of the graph when no output leads to one. */
function finalSampler(reader: GraphReader): GraphNode | null {
  const nodes = reader.nodes();
  const outputs = nodes
    .map((node) => ({ node, rank: outputRank(node) }))
    .filter((entry): entry is { node: GraphNode; rank: number } => entry.rank !== null)
    .sort((a, b) => a.rank - b.rank);
  for (const { node } of outputs) {
    const found = samplerUpstream(reader, node, new Set([node.id]));
    if (found) return found;
  }
  return nodes.find(isSampler) ?? null;
}

/** The base pass: follows the sampler's latent back to earlier samplers until there is none. */
export function findBaseSampler(reader: GraphReader): GraphNode | null {
  let sampler = finalSampler(reader);
  if (!sampler) return null;
  const visited = new Set([sampler.id]);
  for (let pass = 0; pass < maxDepth; pass += 1) {
    const earlier = samplerUpstream(reader, sampler, visited);
    if (!earlier) break;
    sampler = earlier;
  }
  return sampler;
}
