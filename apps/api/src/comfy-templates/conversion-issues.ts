import type { ComfyConversionIssue, ComfyConversionWarning } from '@atelier/contract';
import type { ConversionIssue, ConversionWarning, WorkflowConversionError } from '@atelier/workflow';
import { AppError } from '../common/app-error.js';

/** The converter's issues in the API's spelling (`details.issues` of 422 `comfy.conversion_failed`). */
export function toConversionIssues(issues: readonly ConversionIssue[]): ComfyConversionIssue[] {
  return issues.map((issue) => ({ node_id: issue.nodeId, node_type: issue.nodeType, reason: issue.reason }));
}

export function toConversionWarnings(warnings: readonly ConversionWarning[]): ComfyConversionWarning[] {
  return warnings.map((w) => ({ node_id: w.nodeId, node_type: w.nodeType, message: w.message }));
}

/** 422 naming every node the converter could not handle, and why. */
export function conversionFailed(error: WorkflowConversionError): AppError {
  return new AppError('comfy.conversion_failed', error.message, { issues: toConversionIssues(error.issues) });
}
