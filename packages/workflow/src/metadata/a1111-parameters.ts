/**
 * The `parameters` text chunk of AUTOMATIC1111, Forge and the tools that copy them:
 *
 *     positive prompt (may span lines) <lora:name:0.8>
 *     Negative prompt: negative prompt (may span lines)
 *     Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x768, Model: name, …
 *
 * Sampler and schedule names that have an exact ComfyUI equivalent are translated to it, so a gallery's facets
 * list one name per sampler; others are kept as written.
 */
import type { GraphLora, GraphParams } from './graph-params.js';

/** A1111's own `re_param`: `Key: value` or `Key: "quoted, value"`, comma separated. */
const settingPattern = /\s*(\w[\w \-/]*):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;
const loraPattern = /<lora:([^:>]+)(?::(-?[\d.]+))?[^>]*>/g;
const maxTextLength = 200_000;

const samplerNames = new Map([
  ['Euler', 'euler'],
  ['Euler a', 'euler_ancestral'],
  ['Heun', 'heun'],
  ['LMS', 'lms'],
  ['DPM2', 'dpm_2'],
  ['DPM2 a', 'dpm_2_ancestral'],
  ['DPM++ 2S a', 'dpmpp_2s_ancestral'],
  ['DPM++ 2M', 'dpmpp_2m'],
  ['DPM++ SDE', 'dpmpp_sde'],
  ['DPM++ 2M SDE', 'dpmpp_2m_sde'],
  ['DPM++ 3M SDE', 'dpmpp_3m_sde'],
  ['DPM fast', 'dpm_fast'],
  ['DPM adaptive', 'dpm_adaptive'],
  ['LCM', 'lcm'],
  ['DDIM', 'ddim'],
  ['UniPC', 'uni_pc'],
]);

const scheduleNames = new Map([
  ['Karras', 'karras'],
  ['Exponential', 'exponential'],
  ['SGM Uniform', 'sgm_uniform'],
  ['Simple', 'simple'],
  ['Normal', 'normal'],
  ['Beta', 'beta'],
]);

function settingsOf(line: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const [, key = '', raw = ''] of line.matchAll(settingPattern)) {
    const value = raw.trim();
    const unquoted =
      value.startsWith('"') && value.endsWith('"') && value.length > 1 ? value.slice(1, -1) : value;
    if (!settings.has(key.trim())) settings.set(key.trim(), unquoted);
  }
  return settings;
}

function numberOf(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** Old versions fold the schedule into the sampler's name: "DPM++ 2M Karras". */
function samplerAndSchedule(settings: Map<string, string>): {
  sampler: string | null;
  scheduler: string | null;
} {
  let sampler = settings.get('Sampler')?.trim() || null;
  let schedule = settings.get('Schedule type')?.trim() || null;
  const folded = sampler?.match(/^(.*) (Karras|Exponential)$/);
  if (sampler && folded?.[1] && !samplerNames.has(sampler)) {
    sampler = folded[1];
    schedule ??= folded[2] ?? null;
  }
  if (schedule === 'Automatic') schedule = null;
  return {
    sampler: sampler === null ? null : (samplerNames.get(sampler) ?? sampler),
    scheduler: schedule === null ? null : (scheduleNames.get(schedule) ?? schedule),
  };
}

function lorasOf(positive: string): GraphLora[] {
  const loras: GraphLora[] = [];
  for (const [, name = '', weight] of positive.matchAll(loraPattern)) {
    const parsed = weight === undefined ? 1 : Number(weight);
    if (name.trim() && Number.isFinite(parsed)) loras.push({ name: name.trim(), weight: parsed });
  }
  return loras;
}

/**
 * Parses an A1111-style `parameters` text. Null when it holds neither a prompt nor settings. The denoise is that
 * of the first pass: a txt2img without "Denoising strength", or with a hires fix (whose strength is the second
 * pass's), is a full denoise.
 */
export function paramsFromA1111(text: string): GraphParams | null {
  if (typeof text !== 'string') return null;
  const lines = text.slice(0, maxTextLength).replace(/\r\n?/g, '\n').split('\n');
  const last = lines[lines.length - 1] ?? '';
  const settings = settingsOf(last);
  // A1111's rule: a last line with fewer than three settings is part of the prompt.
  if (settings.size >= 3) lines.pop();
  else settings.clear();
  const negativeAt = lines.findIndex((line) => line.startsWith('Negative prompt:'));
  const positive = (negativeAt < 0 ? lines : lines.slice(0, negativeAt)).join('\n').trim();
  const negative =
    negativeAt < 0 ? null : lines.slice(negativeAt).join('\n').slice('Negative prompt:'.length).trim();
  if (!positive && negative === null && settings.size === 0) return null;
  const size = settings.get('Size')?.match(/^\s*(\d+)\s*x\s*(\d+)\s*$/);
  const hires = [...settings.keys()].some((key) => key.startsWith('Hires'));
  const strength = numberOf(settings.get('Denoising strength'));
  return {
    positive: positive || null,
    negative: negative || null,
    checkpoint: settings.get('Model')?.trim() || null,
    loras: lorasOf(positive),
    ...samplerAndSchedule(settings),
    steps: numberOf(settings.get('Steps')),
    cfg: numberOf(settings.get('CFG scale')),
    seed: numberOf(settings.get('Seed')),
    denoise: settings.size === 0 ? null : hires || strength === null ? 1 : strength,
    width: size ? Number(size[1]) : null,
    height: size ? Number(size[2]) : null,
  };
}
