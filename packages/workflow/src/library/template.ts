/** One parameterised workflow: an API prompt, its parameter contract, and where it came from. */
import { createHash } from 'node:crypto';

import type { ApiPrompt } from '../api-prompt.js';
import { listComboOptions, type ComboValue, type ObjectInfo } from '../object-info.js';
import type { ParamSchema } from '../params/apply-params.js';
import { checkPromptAgainstObjectInfo, type PromptProblem } from '../prompt-check.js';

/**
 * Where a template comes from, which also says how it is run: `builtin` (the core txt2img graph) and `preset`
 * (`config/comfy/presets/<name>.json`) feed the txt2img builder, so their knobs carry the txt2img names;
 * `workflow` (`config/comfy/workflows/<name>.api.json` + `params/<name>.schema.json`) runs with its own knobs.
 */
export type TemplateSource = 'builtin' | 'preset' | 'workflow';

export interface Template {
  /** `<source>/<name>`, unique in the library: `builtin/txt2img`, `preset/sample_basic_sdxl`, `workflow/test_pattern`. */
  id: string;
  /** The name requests and URLs use, unique within its source. */
  name: string;
  source: TemplateSource;
  /** Content hash of the prompt and the contract (12 hex digits): any edit that can change a result changes it. */
  version: string;
  title: string;
  description: string;
  /** API-format prompt; parameters patch copies of it. */
  prompt: ApiPrompt;
  /** The parameter contract (JSON Schema + `x-patch`). */
  params: ParamSchema;
  /** The files it was read from (none for the built-in template). */
  files: string[];
}

/** What the ledger records of the template a job was built from. */
export interface TemplateRef {
  id: string;
  version: string;
}

export function templateVersion(prompt: ApiPrompt, params: ParamSchema): string {
  return createHash('sha256')
    .update(JSON.stringify([prompt, params]))
    .digest('hex')
    .slice(0, 12);
}

/** Assembles a template; the id and version are derived so they cannot disagree with the content. */
export function createTemplate(
  fields: Pick<Template, 'name' | 'source' | 'title' | 'description' | 'prompt' | 'params' | 'files'>,
): Template {
  return {
    id: `${fields.source}/${fields.name}`,
    version: templateVersion(fields.prompt, fields.params),
    ...fields,
  };
}

/**
 * What keeps a template from running on this server: missing node classes or inputs, values no longer offered
 * (a deleted checkpoint), and enum values of its contract the server does not offer. Empty means runnable.
 */
export function checkTemplate(
  template: { prompt: ApiPrompt; params?: ParamSchema },
  objectInfo: ObjectInfo,
): PromptProblem[] {
  const problems = checkPromptAgainstObjectInfo(template.prompt, objectInfo);
  for (const [name, property] of Object.entries(template.params?.properties ?? {})) {
    if (!Array.isArray(property.enum)) continue;
    for (const target of property['x-patch']) {
      const node = template.prompt[target.node];
      const allowed = node ? listComboOptions(objectInfo, node.class_type, target.input) : null;
      if (!node || !allowed) continue;
      for (const value of property.enum as unknown[]) {
        if (allowed.includes(value as ComboValue)) continue;
        problems.push({
          nodeId: target.node,
          classType: node.class_type,
          kind: 'value_not_in_list',
          input: target.input,
          value,
          allowed,
          message: `parameter "${name}" offers ${JSON.stringify(value)} for "${target.input}", which the server does not`,
        });
      }
    }
  }
  return problems;
}
