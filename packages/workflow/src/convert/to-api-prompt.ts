/** The queue route takes either format: API prompts pass through, UI workflows are converted. */
import { isApiPrompt, isUiWorkflow, type ApiPrompt } from '../api-prompt.js';
import type { ObjectInfo } from '../object-info.js';
import { WorkflowConversionError, type ConversionWarning } from './conversion-error.js';
import { convertUiWorkflow, type ConvertOptions } from './convert-ui-workflow.js';

export interface ToApiPromptResult {
  /** Which format the input was in. */
  format: 'api' | 'ui';
  prompt: ApiPrompt;
  warnings: ConversionWarning[];
}

/**
 * Accepts an API prompt as is, or converts a UI workflow.
 *
 * @throws WorkflowConversionError when the value is neither, or the workflow cannot be converted.
 */
export function toApiPrompt(
  value: unknown,
  objectInfo: ObjectInfo,
  options: ConvertOptions = {},
): ToApiPromptResult {
  if (isApiPrompt(value)) return { format: 'api', prompt: value, warnings: [] };
  if (isUiWorkflow(value)) return { format: 'ui', ...convertUiWorkflow(value, objectInfo, options) };
  throw new WorkflowConversionError([
    {
      nodeId: null,
      nodeType: null,
      reason:
        'neither an API prompt ({"<id>": {"class_type", "inputs"}}) nor a UI workflow ({"nodes", "links"})',
    },
  ]);
}
