/**
 * The generation parameters an API prompt states: the base sampler's settings, the prompt text that reaches it,
 * the checkpoint and LoRAs behind its model, and its latent's size. Pure, synchronous, and safe on any input.
 */
import { isRecord } from '../json.js';
import { TextResolver } from './conditioning-text.js';
import { findBaseSampler } from './find-sampler.js';
import { emptyGraphParams, type GraphParams } from './graph-params.js';
import { GraphReader } from './graph-reader.js';
import { readLatentSize } from './latent-size.js';
import { readModelChain } from './model-chain.js';
import { readSamplerSettings } from './sampler-settings.js';

function walk(reader: GraphReader): GraphParams {
  const sampler = findBaseSampler(reader);
  if (!sampler) return emptyGraphParams();
  const settings = readSamplerSettings(reader, sampler);
  const texts = new TextResolver(reader);
  const { checkpoint, loras } = readModelChain(reader, settings.model);
  return {
    positive: texts.conditioning(settings.positive, 'positive'),
    negative: texts.conditioning(settings.negative, 'negative'),
    checkpoint,
    loras,
    sampler: settings.sampler,
    scheduler: settings.scheduler,
    steps: settings.steps,
    cfg: settings.cfg,
    seed: settings.seed,
    denoise: settings.denoise,
    ...readLatentSize(reader, settings.latent),
  };
}

/**
 * Reads the parameters of an API-format prompt (node id → `{class_type, inputs}`, links `[nodeId, outputIndex]`).
 * Where several samplers run, the one whose result reaches SaveImage (else a preview) is followed back to its first
 * pass: a hires fix or split-sigmas second stage reports the base pass's prompt, seed, settings and size.
 * Unknown or unreadable values are null; nothing throws.
 */
export function paramsFromApiPrompt(prompt: unknown): GraphParams {
  if (!isRecord(prompt)) return emptyGraphParams();
  try {
    return walk(new GraphReader(prompt));
  } catch {
    // Every walk is bounded and type-checked; this only keeps ingest alive if a future edit misses a case.
    return emptyGraphParams();
  }
}
