/**
 * The checkpoint and LoRAs behind a sampler's model: back through LoRA loaders and any model patch (FreeU, PAG,
 * ModelSamplingDiscrete, Deep Shrink, …: every one takes a `model` input) to the loader.
 */
import { isRecord } from '../json.js';
import type { GraphLora } from './graph-params.js';
import {
  entriesOf,
  inputOf,
  maxDepth,
  nameInput,
  numberInput,
  type GraphNode,
  type GraphReader,
} from './graph-reader.js';

export interface ModelChain {
  checkpoint: string | null;
  /** In the order they are applied, the one next to the checkpoint first. */
  loras: GraphLora[];
}

/** The loaders' file-name widgets: CheckpointLoader(Simple), ImageOnlyCheckpointLoader, UNETLoader, GGUF loaders. */
const checkpointKeys = ['ckpt_name', 'unet_name'];

/**
 * LoraLoader and LoraLoaderModelOnly: `lora_name` at `strength_model` (`lora_model_strength` in the Efficient
 * Loader, whose "None" means no LoRA). rgthree's Power Lora Loader keeps each as an
 * object `{on, lora, strength}`. A LoRA whose strength is wired from another node is left out (not exact).
 */
function lorasOf(node: GraphNode): GraphLora[] {
  const name = nameInput(node, 'lora_name');
  const weight = numberInput(node, 'strength_model') ?? numberInput(node, 'lora_model_strength');
  if (name !== null) return weight === null || name === 'None' ? [] : [{ name, weight }];
  const loras: GraphLora[] = [];
  for (const [, value] of entriesOf(node)) {
    if (!isRecord(value) || value.on === false) continue;
    const { lora, strength } = value;
    if (
      typeof lora === 'string' &&
      lora.trim() &&
      typeof strength === 'number' &&
      Number.isFinite(strength)
    ) {
      loras.push({ name: lora.trim(), weight: strength });
    }
  }
  return loras;
}

export function readModelChain(reader: GraphReader, model: unknown): ModelChain {
  const nearestFirst: GraphLora[][] = [];
  const seen = new Set<string>();
  let linked = reader.follow(model);
  for (let depth = 0; linked && depth < maxDepth && !seen.has(linked.node.id); depth += 1) {
    const { node } = linked;
    seen.add(node.id);
    // Before the checkpoint test: a loader may apply a LoRA of its own (the Efficient Loader).
    nearestFirst.push(lorasOf(node));
    for (const key of checkpointKeys) {
      const checkpoint = nameInput(node, key);
      if (checkpoint !== null) return { checkpoint, loras: nearestFirst.reverse().flat() };
    }
    linked = reader.follow(inputOf(node, 'model'));
  }
  return { checkpoint: null, loras: nearestFirst.reverse().flat() };
}
