/**
 * The shapes useComfy speaks: the API's own contract types (packages/contract), re-exported under
 * the names the web app uses, so the browser and the server can never drift apart.
 */
import type {
  ComfyImageRef,
  ComfyObjectInfoResponse,
  ComfyStatusResponse,
  Txt2ImgParams,
  Txt2ImgResponse,
} from '@atelier/contract';

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

/** POST /api/comfy/txt2img's answer: the prompt id, the seed actually used and the queued graph. */
export type ComfyText2ImgResponse = Txt2ImgResponse;

/** The txt2img request body under the name the spec uses. */
export type Text2ImgParams = Txt2ImgParams;

/**
 * A job's status. Open-shaped: the server may add fields (custom nodes report their own), and
 * `images` is only there once the job has produced some.
 */
export type ComfyStatus = Omit<ComfyStatusResponse, 'images'> & {
  images?: ComfyImageRef[];
  [key: string]: unknown;
};

/** GET /object_info as ComfyUI reports it: node class name → its definition. */
export type ComfyObjectInfo = ComfyObjectInfoResponse['object_info'];

/** A workflow in ComfyUI's API format (node id → `{class_type, inputs}`), or a UI workflow. */
export type ComfyWorkflow = Record<string, unknown>;
