/** What the UI-workflow converter reports: fatal issues (the API answers 422) and warnings. */

/** Something that makes the workflow impossible to convert faithfully. */
export interface ConversionIssue {
  /** The UI node id, or null when the problem is not about one node. */
  nodeId: string | null;
  nodeType: string | null;
  reason: string;
}

/** Converted anyway, exactly as the ComfyUI frontend would, but worth telling the user. */
export interface ConversionWarning {
  nodeId: string | null;
  nodeType: string | null;
  message: string;
}

/** Thrown by `convertUiWorkflow`; `issues` lists every node that could not be converted and why. */
export class WorkflowConversionError extends Error {
  override readonly name = 'WorkflowConversionError';

  constructor(readonly issues: ConversionIssue[]) {
    super(
      issues.length === 1 && issues[0]
        ? `cannot convert the workflow: ${describeIssue(issues[0])}`
        : `cannot convert the workflow: ${issues.length} problems (${issues.slice(0, 3).map(describeIssue).join('; ')}${issues.length > 3 ? '; …' : ''})`,
    );
  }
}

export function isWorkflowConversionError(error: unknown): error is WorkflowConversionError {
  return error instanceof WorkflowConversionError;
}

function describeIssue(issue: ConversionIssue): string {
  if (issue.nodeId === null) return issue.reason;
  return `node ${issue.nodeId}${issue.nodeType ? ` (${issue.nodeType})` : ''}: ${issue.reason}`;
}
