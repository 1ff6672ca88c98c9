/** Presets: `config/comfy/presets/<name>.json`, an API-format template plus its parameter contract in one file. */
import { templateNamePattern } from '@atelier/contract';

import { isApiPrompt } from '../api-prompt.js';
import { isRecord } from '../json.js';
import { compileSchema } from '../params/ajv.js';
import { checkParamContract, type ParamSchema } from '../params/apply-params.js';
import { fileStem, listJsonFiles, readJsonFile, type LibraryProblem } from './library-files.js';
import { createTemplate, type Template } from './template.js';

const presetFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'template', 'params'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: templateNamePattern },
    title: { type: 'string' },
    description: { type: 'string' },
    template: { type: 'object', minProperties: 1 },
    params: { type: 'object' },
  },
} as const;

/** Validates one preset document; `name` must match the file name when `expectedName` is given. */
export function parsePreset(
  value: unknown,
  file: string,
  expectedName?: string,
): { ok: true; template: Template } | { ok: false; problems: LibraryProblem[] } {
  const validate = compileSchema(presetFileSchema);
  if (!validate(value) || !isRecord(value)) {
    const problems = (validate.errors ?? []).map((error) => ({
      file,
      message: `preset ${error.instancePath || 'file'} ${error.message ?? 'is invalid'}${
        error.keyword === 'additionalProperties' ? ` ("${String(error.params.additionalProperty)}")` : ''
      }`,
    }));
    return {
      ok: false,
      problems: problems.length ? problems : [{ file, message: 'a preset must be a JSON object' }],
    };
  }
  const problems: LibraryProblem[] = [];
  const name = value.name as string;
  if (expectedName !== undefined && name !== expectedName) {
    problems.push({ file, message: `preset name "${name}" must match its file name "${expectedName}"` });
  }
  if (!isApiPrompt(value.template)) {
    problems.push({
      file,
      message: 'template must be an API-format prompt: {"<id>": {"class_type": …, "inputs": {…}}}',
    });
    return { ok: false, problems };
  }
  for (const message of checkParamContract(value.template, value.params)) problems.push({ file, message });
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    template: createTemplate({
      name,
      source: 'preset',
      title: typeof value.title === 'string' ? value.title : name,
      description: typeof value.description === 'string' ? value.description : '',
      prompt: value.template,
      params: value.params as ParamSchema,
      files: [file],
    }),
  };
}

/** Loads every `*.json` preset of `dir`; bad files are listed in `problems`, never thrown. */
export async function loadPresetFiles(
  dir: string,
): Promise<{ templates: Template[]; problems: LibraryProblem[] }> {
  const listing = await listJsonFiles(dir);
  const templates: Template[] = [];
  const problems: LibraryProblem[] = listing.problem ? [listing.problem] : [];
  for (const file of listing.files) {
    const json = await readJsonFile(file);
    if (!json.ok) {
      problems.push({ file, message: json.message });
      continue;
    }
    const parsed = parsePreset(json.value, file, fileStem(file, '.json'));
    if (parsed.ok) templates.push(parsed.template);
    else problems.push(...parsed.problems);
  }
  return { templates, problems };
}
