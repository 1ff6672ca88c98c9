import type { SweepCreateResponse, SweepRequest, SweepResponse } from '@atelier/contract';
import { appConfig } from '../config';
import { http } from './http';

const id = (sweepId: string) => encodeURIComponent(sweepId);

/** URL of one Z page's contact sheet, for a download link (the auth cookie goes along). */
export function sweepContactSheetUrl(sweepId: string, z: number): string {
  return `${appConfig.apiBaseUrl}/comfy/sweeps/${id(sweepId)}/contact-sheet.png?z=${z}`;
}

export const sweepsApi = {
  /** The same idempotency key on every retry of one call: the server queues the sweep once. */
  create: (body: SweepRequest, idempotencyKey: string) =>
    http.post<SweepCreateResponse>('/comfy/sweeps', body, { headers: { 'idempotency-key': idempotencyKey } }),
  get: (sweepId: string, signal?: AbortSignal) =>
    http.get<SweepResponse>(`/comfy/sweeps/${id(sweepId)}`, { signal }),
};
