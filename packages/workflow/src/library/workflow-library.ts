/**
 * The workflow library: `workflows/<name>.api.json` (an API prompt) with `params/<name>.schema.json` (its
 * parameter contract), both under the library root (`config/comfy`).
 */
import { join } from 'node:path';

import { isApiPrompt, type ApiPrompt } from '../api-prompt.js';
import { isRecord } from '../json.js';
import { listComboOptions, type ComboValue, type ObjectInfo } from '../object-info.js';
import { checkParamContract, type ParamSchema } from '../params/apply-params.js';
import { checkPromptAgainstObjectInfo, type PromptProblem } from '../prompt-check.js';
import {
  fileStem,
  listJsonFiles,
  readJsonFile,
  templateNamePattern,
  type LibraryProblem,
} from './library-files.js';

export interface WorkflowTemplate {
  name: string;
  /** From the schema's `title`, else the name. */
  title: string;
  description: string;
  prompt: ApiPrompt;
  params: ParamSchema;
  files: { workflow: string; params: string };
}

export interface WorkflowLibrary {
  workflows: WorkflowTemplate[];
  problems: LibraryProblem[];
}

const workflowSuffix = '.api.json';
const paramsSuffix = '.schema.json';

/** Loads and validates the library under `root`; files that do not pass are listed in `problems`. */
export async function loadWorkflowLibrary(root: string): Promise<WorkflowLibrary> {
  const workflowDir = join(root, 'workflows');
  const paramsDir = join(root, 'params');
  const [workflowFiles, paramFiles] = await Promise.all([
    listJsonFiles(workflowDir),
    listJsonFiles(paramsDir),
  ]);
  const problems: LibraryProblem[] = [workflowFiles.problem, paramFiles.problem].filter(
    (problem): problem is LibraryProblem => problem !== undefined,
  );
  const workflows: WorkflowTemplate[] = [];
  const paired = new Set<string>();

  for (const file of workflowFiles.files) {
    if (!file.endsWith(workflowSuffix)) {
      problems.push({ file, message: `workflow files must be named <name>${workflowSuffix}` });
      continue;
    }
    const name = fileStem(file, workflowSuffix);
    const paramsFile = join(paramsDir, `${name}${paramsSuffix}`);
    paired.add(paramsFile);
    if (!templateNamePattern.test(name)) {
      problems.push({ file, message: `"${name}" is not a valid template name (letters, digits, _ . -)` });
      continue;
    }
    const [prompt, schema] = await Promise.all([readJsonFile(file), readJsonFile(paramsFile)]);
    if (!prompt.ok) {
      problems.push({ file, message: prompt.message });
      continue;
    }
    if (!isApiPrompt(prompt.value)) {
      problems.push({
        file,
        message: 'not an API-format prompt: {"<id>": {"class_type": …, "inputs": {…}}}',
      });
      continue;
    }
    if (!schema.ok) {
      problems.push({
        file: paramsFile,
        message: `${schema.message} (every workflow needs its parameter contract)`,
      });
      continue;
    }
    const contractProblems = checkParamContract(prompt.value, schema.value);
    if (contractProblems.length || !isRecord(schema.value)) {
      problems.push(...contractProblems.map((message) => ({ file: paramsFile, message })));
      continue;
    }
    const params = schema.value as ParamSchema;
    workflows.push({
      name,
      title: typeof params.title === 'string' ? params.title : name,
      description: typeof params.description === 'string' ? params.description : '',
      prompt: prompt.value,
      params,
      files: { workflow: file, params: paramsFile },
    });
  }
  for (const file of paramFiles.files) {
    if (!paired.has(file)) {
      problems.push({
        file,
        message: `no workflow matches this contract (expected workflows/<name>${workflowSuffix})`,
      });
    }
  }
  return { workflows, problems };
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
