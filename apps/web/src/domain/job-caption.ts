import type { JobSummary } from '@atelier/contract';

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/**
 * What a job is called in lists: its prompt; for a template run (params `{template, values}`) its `prompt`
 * knob, else "<template> workflow"; 'Custom workflow' for a raw graph (which has none).
 */
export function jobCaption(job: Pick<JobSummary, 'params'>): string {
  const params = job.params;
  const caption = text(params?.caption);
  if (caption) return caption;
  const template = text(params?.template);
  if (!template) return 'Custom workflow';
  const values = params?.values;
  const prompt =
    typeof values === 'object' && values !== null ? text((values as { prompt?: unknown }).prompt) : null;
  return prompt ?? `${template} workflow`;
}
