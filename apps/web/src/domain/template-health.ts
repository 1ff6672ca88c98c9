import type { ComfyTemplateProblem, ComfyWorkflowTemplate, Role } from '@atelier/contract';
import { roleAtLeast } from '@atelier/contract';

/** ok: runs on the server; broken: does not (with why); unchecked: ComfyUI could not be asked. */
export type TemplateHealthState = 'ok' | 'broken' | 'unchecked';

export interface TemplateHealth {
  state: TemplateHealthState;
  /** Short, for the badge. */
  label: string;
  /** One sentence per problem, in words. */
  problems: string[];
}

/** Inputs that name a model file: a value missing there means the model was deleted or renamed. */
const modelInput =
  /(^|_)(ckpt|lora|vae|unet|clip|control_net|controlnet|upscale_model|model|style_model|gligen|hypernetwork|embedding)(_name)?$/;

const quoted = (value: unknown) => (typeof value === 'string' ? `"${value}"` : String(value));

/** One problem in words: "missing node class X", "model X is gone (ckpt_name)", "value X no longer offered". */
export function describeProblem(problem: ComfyTemplateProblem): string {
  const where = problem.class_type
    ? `${problem.class_type} (node ${problem.node_id})`
    : `node ${problem.node_id}`;
  const input = problem.input ?? '';
  switch (problem.kind) {
    case 'missing_class':
      return `missing node class ${problem.class_type ?? '(none)'} (node ${problem.node_id})`;
    case 'value_not_in_list':
      if (problem.value === undefined) return `a value of ${input} on ${where} is no longer offered`;
      return modelInput.test(input)
        ? `model ${quoted(problem.value)} is gone (${input} on ${where})`
        : `value ${quoted(problem.value)} no longer offered (${input} on ${where})`;
    case 'unknown_input':
      return `${where} has no input ${input} any more`;
    case 'missing_input':
      return `${where} now needs the input ${input}`;
    case 'invalid_value':
      return `${input} on ${where}: ${problem.message}`;
    case 'bad_link':
    case 'type_mismatch':
    case 'invalid_node':
      return `${where}: ${problem.message}`;
  }
}

/** The badge and the reasons of one template, against the listing's `checked_against`. */
export function healthOf(template: ComfyWorkflowTemplate, checkedAgainst: string | null): TemplateHealth {
  if (template.broken) {
    const problems = template.problems.map(describeProblem);
    return { state: 'broken', label: 'Broken', problems };
  }
  if (checkedAgainst === null) return { state: 'unchecked', label: 'Not checked', problems: [] };
  return { state: 'ok', label: 'OK', problems: [] };
}

/** Broken templates are shown to curators (who can fix them) and kept out of plain users' pickers. */
export function runnableFor<T extends Pick<ComfyWorkflowTemplate, 'broken'>>(
  items: readonly T[],
  role: Role,
): T[] {
  return roleAtLeast(role, 'curator') ? [...items] : items.filter((item) => !item.broken);
}
