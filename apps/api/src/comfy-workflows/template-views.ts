import type { ComfyLibraryProblem, ComfyTemplateProblem, FieldErrors } from '@atelier/contract';
import type { LibraryProblem, ParamError, PromptProblem } from '@atelier/workflow';
import { basename } from 'node:path';

/** A template problem without the server's whole combo list (a checkpoint list can be long). */
export function toTemplateProblem(problem: PromptProblem): ComfyTemplateProblem {
  return {
    node_id: problem.nodeId,
    class_type: problem.classType,
    kind: problem.kind,
    ...(problem.input !== undefined ? { input: problem.input } : {}),
    message: problem.message,
  };
}

/** File base names only: where the server keeps its config is none of the browser's business. */
export function toLibraryProblem(problem: LibraryProblem): ComfyLibraryProblem {
  return { file: basename(problem.file), message: problem.message };
}

/** ajv's errors as per-parameter messages (`params` for the object as a whole). */
export function toParamFieldErrors(errors: readonly ParamError[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const error of errors) {
    const field = error.param || 'params';
    fields[field] = [...(fields[field] ?? []), error.message];
  }
  return fields;
}
