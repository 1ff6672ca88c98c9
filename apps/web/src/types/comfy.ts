/**
 * The ComfyUI shapes the web app speaks: the API's own contract types (packages/contract), re-exported
 * here, so the browser and the server can never drift apart.
 */
import type { ComfyObjectInfoResponse } from '@atelier/contract';

export type {
  ComfyHealthResponse,
  ComfyImageRef,
  ComfyObjectInfoResponse,
  ComfyQueueRequest,
  ComfyQueueResponse,
  ComfyStreamEvent,
  ComfyStreamEventMap,
  ComfyStreamEventName,
  IngestFromJobResponse,
  IngestResponse,
  JobListResponse,
  JobProgress,
  JobStatus,
  JobSummary,
  Txt2ImgFeature,
  Txt2ImgParams,
} from '@atelier/contract';

/** GET /object_info as ComfyUI reports it: node class name → its definition. */
export type ComfyObjectInfo = ComfyObjectInfoResponse['object_info'];
