import type {
  ComfyLibraryProblem,
  ComfyParamTarget,
  ComfyPresetSummary,
  ComfyQueueResponse,
  ComfyTemplateOrigin,
  ComfyTemplateProblem,
  ComfyWorkflowRunResponse,
  ComfyWorkflowTemplate,
  FieldErrors,
  Txt2ImgResponse,
} from '@atelier/contract';
import type {
  LibraryProblem,
  ParamError,
  PromptProblem,
  Template,
  Txt2ImgBuildError,
} from '@atelier/workflow';
import { basename } from 'node:path';
import { AppError } from '../common/app-error.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';

const isPlain = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** A template problem without the server's whole combo list (a checkpoint list can be long). */
export function toTemplateProblem(problem: PromptProblem): ComfyTemplateProblem {
  return {
    node_id: problem.nodeId,
    class_type: problem.classType,
    kind: problem.kind,
    ...(problem.input !== undefined ? { input: problem.input } : {}),
    ...(isPlain(problem.value) ? { value: problem.value } : {}),
    message: problem.message,
  };
}

/** File base names only: where the server keeps its config is none of the browser's business. */
export function toLibraryProblem(problem: LibraryProblem): ComfyLibraryProblem {
  return { file: basename(problem.file), message: problem.message };
}

/** Per knob, the inputs its `x-patch` sets and their node classes (the web reads their options from object_info). */
export function targetsOf(template: Pick<Template, 'prompt' | 'params'>): Record<string, ComfyParamTarget[]> {
  return Object.fromEntries(
    Object.entries(template.params.properties).map(([name, property]) => [
      name,
      property['x-patch'].map(({ node, input }) => ({
        node,
        class_type: template.prompt[node]?.class_type ?? null,
        input,
      })),
    ]),
  );
}

export function toWorkflowView(
  template: Template,
  problems: PromptProblem[],
  origin: ComfyTemplateOrigin = 'file',
): ComfyWorkflowTemplate {
  return {
    id: template.id,
    name: template.name,
    version: template.version,
    origin,
    title: template.title,
    description: template.description,
    params: template.params,
    targets: targetsOf(template),
    broken: problems.length > 0,
    problems: problems.map(toTemplateProblem),
  };
}

export function toPresetSummary(template: Template): ComfyPresetSummary {
  return {
    name: template.name,
    title: template.title,
    description: template.description,
    params: Object.keys(template.params.properties),
    schema: template.params,
  };
}

/** Messages grouped by the field they are about, in order. */
function byField(entries: Iterable<readonly [string, string]>): FieldErrors {
  const fields: FieldErrors = {};
  for (const [field, message] of entries) fields[field] = [...(fields[field] ?? []), message];
  return fields;
}

/** ajv's errors as per-parameter messages (`params` for the object as a whole). */
export function toParamFieldErrors(errors: readonly ParamError[]): FieldErrors {
  return byField(errors.map((error) => [error.param || 'params', error.message] as const));
}

/** The builder's issues by request field (`preset` for an unknown one, the feature for a missing class). */
function toTxt2ImgFieldErrors(error: Txt2ImgBuildError): FieldErrors {
  return byField(
    error.issues.map((issue) => {
      const field =
        issue.kind === 'unknown_preset'
          ? 'preset'
          : issue.kind === 'missing_node_class'
            ? issue.feature
            : issue.param;
      return [field, issue.message] as const;
    }),
  );
}

/** A txt2img request refused before anything else happens: out of bounds, unknown fields, rules across fields. */
export function txt2imgParamsRefused(error: Txt2ImgBuildError): AppError {
  return new AppError('validation_failed', 'The request is invalid', toTxt2ImgFieldErrors(error));
}

/**
 * Missing node classes (the server lacks what a switch needs) and switches the preset cannot take are 422;
 * values the server does not offer, bad parameters and unknown presets are 400 with per-field messages.
 */
export function txt2imgBuildRefused(error: Txt2ImgBuildError): AppError {
  const missing = error.missingNodeClasses;
  if (missing.length > 0) {
    return new AppError(
      'comfy.unsupported_feature',
      `ComfyUI lacks the node classes this request needs: ${missing.join(', ')}`,
      { missing_node_classes: missing, issues: error.issues },
    );
  }
  const fields = toTxt2ImgFieldErrors(error);
  if (error.issues.some((issue) => issue.kind === 'unsupported')) {
    return new AppError('comfy.unsupported_feature', error.message, { fields, issues: error.issues });
  }
  return new AppError('validation_failed', error.message, fields);
}

export function toQueueResponse(job: ComfyJobEntity): ComfyQueueResponse {
  return { prompt_id: job.promptId, client_id: job.callerClientId ?? job.comfyClientId };
}

// The seed, values and graph come from the ledger: a retried request reports those of the first one.
export function toTxt2ImgResponse(job: ComfyJobEntity): Txt2ImgResponse {
  return {
    prompt_id: job.promptId,
    client_id: job.comfyClientId,
    seed: Number(job.params?.seed),
    workflow: job.workflow,
  };
}

export function toWorkflowRunResponse(job: ComfyJobEntity): ComfyWorkflowRunResponse {
  const values = job.params?.values;
  return {
    prompt_id: job.promptId,
    client_id: job.comfyClientId,
    params: typeof values === 'object' && values !== null ? (values as Record<string, unknown>) : {},
  };
}
