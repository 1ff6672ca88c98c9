import type { CapErrorDetails, CapName, ErrorCode, NoBackendDetails } from '@atelier/contract';
import { capNames } from '@atelier/contract';

/** The refusals of Atelier's queue: caps per role, the daily GPU quota, and graphs no backend can run. */
export const capErrorCodes: readonly ErrorCode[] = [
  'comfy.queue_full',
  'comfy.quota_exceeded',
  'comfy.limit_exceeded',
  'comfy.not_allowed',
];

const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function capDetails(details: unknown): CapErrorDetails | null {
  if (typeof details !== 'object' || details === null) return null;
  const { cap, limit } = details as Record<string, unknown>;
  if (!capNames.includes(cap as CapName) || typeof limit !== 'number') return null;
  return details as CapErrorDetails;
}

/** "in node 3" out of `3.steps`, when the server said where in the graph. */
const where = (field: string | undefined) => (field ? ` in node ${field.split('.')[0]}` : '');

/** What was asked against what the role allows, for a value limit. */
function valueLimit(d: CapErrorDetails): string {
  const asked = d.value === undefined ? '' : `${count.format(d.value)} asked, `;
  const max = `${count.format(d.limit)} max for your role`;
  switch (d.cap) {
    case 'max_steps':
      return `Too many sampling steps${where(d.field)} (${asked}${max})`;
    case 'max_pixels':
      return `The image is too large${where(d.field)} (${d.value === undefined ? '' : `${count.format(d.value)} pixels, `}${count.format(d.limit)} pixels max for your role)`;
    case 'max_batch_size':
      return `Too many images in one batch${where(d.field)} (${asked}${max})`;
    case 'sweep_jobs':
      return `The sweep has too many jobs (${asked}${count.format(d.limit)} max)`;
    default:
      return `Over your role's ${d.cap.replace(/_/g, ' ')} (${asked}${max})`;
  }
}

const notAllowed: Partial<Record<CapName, string>> = {
  max_steps: 'run sampling graphs',
  max_running: 'run jobs',
  max_pixels: 'generate images',
  max_batch_size: 'generate batches',
  max_waiting: 'queue jobs',
  sweep_jobs: 'run sweeps',
  gpu_seconds_per_day: 'use the GPU',
};

/**
 * A sentence that names the cap a refusal hit (e.g. "Your queue is full (20 waiting jobs max for your
 * role)"), or null when the error is not one of them or its details are not as the contract says.
 */
export function describeCapError(
  code: string,
  details: unknown,
  retryAfterS: number | null = null,
): string | null {
  if (code === 'comfy.no_backend') return describeNoBackend(details);
  if (!capErrorCodes.includes(code as ErrorCode)) return null;
  const d = capDetails(details);
  if (!d) return null;
  if (code === 'comfy.queue_full') {
    const adding =
      d.value !== undefined && d.value > 1 ? `; ${count.format(d.value)} more would not fit` : '';
    return `Your queue is full (${count.format(d.limit)} waiting jobs max for your role${adding}). Wait for some to start or cancel one.`;
  }
  if (code === 'comfy.quota_exceeded') {
    const used = d.current === undefined ? '' : `${count.format(d.current)} of `;
    const resets =
      retryAfterS === null ? 'It resets at midnight UTC.' : `It resets in ${formatWait(retryAfterS)}.`;
    return `You have used today's GPU time (${used}${count.format(d.limit)} GPU-seconds a day for your role). ${resets}`;
  }
  if (code === 'comfy.not_allowed')
    return `Your role may not ${notAllowed[d.cap] ?? `go past ${d.cap.replace(/_/g, ' ')}`} here. Ask an admin.`;
  return `${valueLimit(d)}.`;
}

/** "No backend can run this graph: gpu-a lacks X, Y; gpu-b lacks Z." */
export function describeNoBackend(details: unknown): string {
  const backends =
    typeof details === 'object' && details !== null && 'backends' in details
      ? (details as NoBackendDetails).backends
      : null;
  const lacks = Object.entries(backends ?? {})
    .filter(([, missing]) => Array.isArray(missing))
    .map(([name, missing]) => `${name} lacks ${missing.join(', ') || 'nothing it reports'}`);
  return lacks.length > 0
    ? `No backend can run this graph: ${lacks.join('; ')}.`
    : 'No backend can run this graph: none is enabled and connected.';
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${count.format(Math.round(seconds / 360) / 10)} h`;
}
