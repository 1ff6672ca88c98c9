import type { JobSummary } from '@atelier/contract';

/** What a job is called in lists: its prompt, or 'Custom workflow' for a raw graph (which has none). */
export function jobCaption(job: Pick<JobSummary, 'params'>): string {
  const value = job.params?.caption;
  return typeof value === 'string' && value ? value : 'Custom workflow';
}
