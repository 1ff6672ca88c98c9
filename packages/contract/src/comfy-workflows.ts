/** /api/comfy/workflows and /api/comfy/presets: UI-workflow conversion, the workflow library, txt2img presets. */

/** POST /api/comfy/workflows/convert. */
export interface ComfyConvertRequest {
  /** A UI workflow (what the ComfyUI frontend saves); an API prompt passes through unchanged. */
  workflow: Record<string, unknown>;
}

/** Converted as the ComfyUI frontend would, but worth telling the user (e.g. an input dropped at a muted node). */
export interface ComfyConversionWarning {
  node_id: string | null;
  node_type: string | null;
  message: string;
}

/** One reason a workflow cannot be converted (422 `comfy.conversion_failed`, `details.issues`). */
export interface ComfyConversionIssue {
  /** The UI node id, or null when the problem is not about one node. */
  node_id: string | null;
  node_type: string | null;
  reason: string;
}

export interface ComfyConvertResponse {
  /** The format that was sent: `ui` was converted, `api` is returned as it came. */
  format: 'ui' | 'api';
  /** The API-format prompt, ready for POST /api/comfy/queue. */
  prompt: Record<string, unknown>;
  warnings: ComfyConversionWarning[];
}

export const comfyTemplateProblemKinds = [
  'invalid_node',
  'missing_class',
  'unknown_input',
  'missing_input',
  'value_not_in_list',
  'invalid_value',
  'bad_link',
  'type_mismatch',
] as const;
export type ComfyTemplateProblemKind = (typeof comfyTemplateProblemKinds)[number];

/** Why a template does not run on the current ComfyUI server (from its object_info). */
export interface ComfyTemplateProblem {
  node_id: string;
  class_type: string | null;
  kind: ComfyTemplateProblemKind;
  input?: string;
  message: string;
}

/** One entry of the workflow library (`config/comfy/workflows/<name>.api.json` + its parameter contract). */
export interface ComfyWorkflowTemplate {
  name: string;
  title: string;
  description: string;
  /** The parameter contract: a JSON Schema whose properties are the knobs (`x-patch` names the inputs each sets). */
  params: Record<string, unknown>;
  /** True when the template does not fit the server's object_info (then running it answers 422). */
  broken: boolean;
  problems: ComfyTemplateProblem[];
}

/** A library file that could not be loaded (the file's base name only). */
export interface ComfyLibraryProblem {
  file: string;
  message: string;
}

/** GET /api/comfy/workflows. */
export interface ComfyWorkflowListResponse {
  items: ComfyWorkflowTemplate[];
  /** Files skipped (bad JSON, a contract that does not fit its template, a workflow without contract, …). */
  library_problems: ComfyLibraryProblem[];
  /** `fetched_at` of the object_info the templates were checked against; null when ComfyUI could not be asked. */
  checked_against: string | null;
}

/** POST /api/comfy/workflows/:name/run. */
export interface ComfyWorkflowRunRequest {
  /** Knob values; what is left out keeps the template's value (x-random knobs such as seeds are drawn). */
  params?: Record<string, unknown>;
}

export interface ComfyWorkflowRunResponse {
  prompt_id: string;
  client_id: string;
  /** The values applied, including drawn x-random ones. */
  params: Record<string, unknown>;
}

/** One txt2img preset (`config/comfy/presets/<name>.json`). */
export interface ComfyPresetSummary {
  name: string;
  title: string;
  description: string;
  /** The txt2img parameters the preset takes (its contract's knobs). */
  params: string[];
  /** Its parameter contract (JSON Schema with bounds and defaults). */
  schema: Record<string, unknown>;
}

/** GET /api/comfy/presets. */
export interface ComfyPresetListResponse {
  items: ComfyPresetSummary[];
}
