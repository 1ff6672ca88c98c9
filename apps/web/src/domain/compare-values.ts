import { comparedParams, type ComparedParam, type GalleryComparison } from '@atelier/contract';

const labels: Record<ComparedParam, string> = {
  positive: 'Prompt',
  negative: 'Negative prompt',
  checkpoint: 'Model',
  loras: 'LoRAs',
  sampler: 'Sampler',
  scheduler: 'Scheduler',
  steps: 'Steps',
  cfg: 'CFG',
  seed: 'Seed',
  denoise: 'Denoise',
  width: 'Width',
  height: 'Height',
  template_id: 'Template',
  template_version: 'Template version',
  backend: 'Backend',
  owner: 'Owner',
  tags: 'Tags',
  rating: 'Rating',
};

/** A compared value as text: LoRAs as `name:weight`, lists joined, nothing as an em dash. */
export function formatCompared(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.map(formatCompared).join(', ') : '—';
  if (typeof value === 'object') {
    const { name, weight, username } = value as { name?: unknown; weight?: unknown; username?: unknown };
    if (typeof name === 'string') return typeof weight === 'number' ? `${name}:${weight}` : name;
    if (typeof username === 'string') return username;
    return JSON.stringify(value);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The rows of "what varies", in the contract's display order: shared ones, then differing ones. */
export function comparisonRows(comparison: GalleryComparison) {
  const shared: { param: ComparedParam; label: string; value: string }[] = [];
  const varies: { param: ComparedParam; label: string; values: string[] }[] = [];
  for (const param of comparedParams) {
    if (param in comparison.shared)
      shared.push({ param, label: labels[param], value: formatCompared(comparison.shared[param]) });
    const values = comparison.varies[param];
    if (values) varies.push({ param, label: labels[param], values: values.map(formatCompared) });
  }
  return { shared, varies };
}
