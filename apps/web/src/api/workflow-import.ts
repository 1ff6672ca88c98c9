import { importFileField, type ComfyExportFormat, type ComfyImportResponse } from '@atelier/contract';
import { appConfig } from '../config';
import { http } from './http';

/** POST /api/comfy/workflows/import (multipart part `file`) and the workflow download links. */
export const workflowImportApi = {
  import(file: Blob, filename: string): Promise<ComfyImportResponse> {
    const form = new FormData();
    form.append(importFileField, file, filename);
    return http.post<ComfyImportResponse>('/comfy/workflows/import', form);
  },
};

/** Plain links: the session cookie goes with them, and the server answers an attachment. */
export const workflowDownloadUrls = {
  job: (promptId: string, format: ComfyExportFormat) =>
    `${appConfig.apiBaseUrl}/comfy/jobs/${encodeURIComponent(promptId)}/workflow?format=${format}`,
  image: (id: number, format: ComfyExportFormat) =>
    `${appConfig.apiBaseUrl}/gallery/images/${id}/workflow?format=${format}`,
};
