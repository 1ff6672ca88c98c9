/**
 * Workflow templates: `workflows/<name>.api.json` (an API prompt) with `params/<name>.schema.json` (its
 * parameter contract), both under the library root (`config/comfy`).
 */
import { join } from 'node:path';

import { isApiPrompt } from '../api-prompt.js';
import { isRecord } from '../json.js';
import { checkParamContract, type ParamSchema } from '../params/apply-params.js';
import { fileStem, listJsonFiles, readJsonFile, templateName, type LibraryProblem } from './library-files.js';
import { createTemplate, type Template } from './template.js';

const workflowSuffix = '.api.json';
const paramsSuffix = '.schema.json';

/** Loads and validates the workflow templates under `root`; files that do not pass are listed in `problems`. */
export async function loadWorkflowFiles(
  root: string,
): Promise<{ templates: Template[]; problems: LibraryProblem[] }> {
  const workflowDir = join(root, 'workflows');
  const paramsDir = join(root, 'params');
  const [workflowFiles, paramFiles] = await Promise.all([
    listJsonFiles(workflowDir),
    listJsonFiles(paramsDir),
  ]);
  const problems: LibraryProblem[] = [workflowFiles.problem, paramFiles.problem].filter(
    (problem): problem is LibraryProblem => problem !== undefined,
  );
  const templates: Template[] = [];
  const paired = new Set<string>();

  for (const file of workflowFiles.files) {
    if (!file.endsWith(workflowSuffix)) {
      problems.push({ file, message: `workflow files must be named <name>${workflowSuffix}` });
      continue;
    }
    const name = fileStem(file, workflowSuffix);
    const paramsFile = join(paramsDir, `${name}${paramsSuffix}`);
    paired.add(paramsFile);
    if (!templateName.test(name)) {
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
    templates.push(
      createTemplate({
        name,
        source: 'workflow',
        // The contract's title and description describe the entry.
        title: typeof params.title === 'string' ? params.title : name,
        description: typeof params.description === 'string' ? params.description : '',
        prompt: prompt.value,
        params,
        files: [file, paramsFile],
      }),
    );
  }
  for (const file of paramFiles.files) {
    if (!paired.has(file)) {
      problems.push({
        file,
        message: `no workflow matches this contract (expected workflows/<name>${workflowSuffix})`,
      });
    }
  }
  return { templates, problems };
}
