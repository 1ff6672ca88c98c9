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
  /** The value at fault, when it is a plain one (a checkpoint name no longer offered, …). */
  value?: string | number | boolean;
  message: string;
}

/** Where a workflow template comes from: a shipped file (`config/comfy/workflows`) or saved by a curator (database). */
export type ComfyTemplateOrigin = 'file' | 'saved';

/** One node input a knob sets, with the node's class so a client can read that input's options from object_info. */
export interface ComfyParamTarget {
  node: string;
  /** null when the contract names a node the prompt lacks (such a template is listed as a library problem instead). */
  class_type: string | null;
  input: string;
}

/**
 * One entry of the workflow library: a shipped file (`config/comfy/workflows/<name>.api.json` + its parameter
 * contract) or the latest saved version of a curator's template (a saved name shadows a shipped file).
 */
export interface ComfyWorkflowTemplate {
  /** `workflow/<name>`, as the ledger records it (`template_id`). */
  id: string;
  name: string;
  /** Content hash of the prompt and the contract (12 hex digits), as the ledger records it (`template_version`). */
  version: string;
  origin: ComfyTemplateOrigin;
  title: string;
  description: string;
  /** The parameter contract: a JSON Schema whose properties are the knobs (`x-patch` names the inputs each sets). */
  params: Record<string, unknown>;
  /** Per knob, the node inputs it sets (its `x-patch`) with their class types. */
  targets: Record<string, ComfyParamTarget[]>;
  /** True when the template does not fit the server's object_info (then running it answers 422). */
  broken: boolean;
  problems: ComfyTemplateProblem[];
}

/** One version of a template, newest first in `ComfyWorkflowDetail.versions`. */
export interface ComfyWorkflowVersionSummary {
  version: string;
  origin: ComfyTemplateOrigin;
  /** null for a shipped file. */
  created_at: string | null;
  /** Who saved it; null for a shipped file (or a deleted account). */
  created_by: { id: number; username: string } | null;
}

/** GET /api/comfy/workflows/:name (also the 201 answer of the save routes). */
export interface ComfyWorkflowDetail extends ComfyWorkflowTemplate {
  /** The API-format prompt the knobs patch. */
  prompt: Record<string, unknown>;
  /** Every version that can still run (`version` on the run request), newest first; the first is this one. */
  versions: ComfyWorkflowVersionSummary[];
}

/** POST /api/comfy/workflows (curators): a new template; a name already in the library is 409 `conflict`. */
export interface ComfyWorkflowSaveRequest {
  /** Letters, digits, `_` and `-` (as a file template's name). */
  name: string;
  title: string;
  description?: string;
  /** An API-format prompt. */
  prompt: Record<string, unknown>;
  /** Its parameter contract (must fit the prompt: `checkParamContract`, else 400 `{params: [...]}`). */
  params: Record<string, unknown>;
}

/** POST /api/comfy/workflows/:name/versions (curators): a new version of a saved or shipped template. */
export interface ComfyWorkflowVersionRequest {
  prompt: Record<string, unknown>;
  params: Record<string, unknown>;
  /** Left out: the previous version's. */
  title?: string;
  description?: string;
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
  /** Whether the caller may queue a graph of their own (POST /api/comfy/queue, `comfy_raw_graph_min_role`). */
  can_queue_graph: boolean;
  /** Whether the caller may save templates and versions (curators and admins). */
  can_save: boolean;
}

/** POST /api/comfy/workflows/:name/run. */
export interface ComfyWorkflowRunRequest {
  /** Knob values; what is left out keeps the template's value (x-random knobs such as seeds are drawn). */
  params?: Record<string, unknown>;
  /** Run an older version (one of `ComfyWorkflowDetail.versions`); left out: the current one. Unknown → 404. */
  version?: string;
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
