/** Presets: `config/comfy/presets/<name>.json`, an API-format template plus its parameter contract. */
import { isApiPrompt, type ApiPrompt } from '../api-prompt.js';
import { isRecord } from '../json.js';
import { compileSchema } from '../params/ajv.js';
import { checkParamContract, type ParamSchema } from '../params/apply-params.js';
import {
  fileStem,
  listJsonFiles,
  readJsonFile,
  templateNamePattern,
  type LibraryProblem,
} from './library-files.js';

export interface Preset {
  /** The identifier (the file name without `.json`); requests pick a preset by it. */
  name: string;
  title: string;
  description: string;
  /** API-format prompt; parameters patch copies of it. */
  template: ApiPrompt;
  /** The parameter contract (JSON Schema + `x-patch`). */
  params: ParamSchema;
  file: string;
}

export interface PresetLibrary {
  presets: Preset[];
  /** Files that were skipped, with the reason. */
  problems: LibraryProblem[];
}

const presetFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'template', 'params'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: templateNamePattern.source },
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
): { ok: true; preset: Preset } | { ok: false; problems: LibraryProblem[] } {
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
    preset: {
      name,
      title: typeof value.title === 'string' ? value.title : name,
      description: typeof value.description === 'string' ? value.description : '',
      template: value.template,
      params: value.params as ParamSchema,
      file,
    },
  };
}

/** Loads every `*.json` preset of `dir`; bad files are listed in `problems`, never thrown. */
export async function loadPresets(dir: string): Promise<PresetLibrary> {
  const listing = await listJsonFiles(dir);
  const presets: Preset[] = [];
  const problems: LibraryProblem[] = listing.problem ? [listing.problem] : [];
  for (const file of listing.files) {
    const json = await readJsonFile(file);
    if (!json.ok) {
      problems.push({ file, message: json.message });
      continue;
    }
    const parsed = parsePreset(json.value, file, fileStem(file, '.json'));
    if (parsed.ok) presets.push(parsed.preset);
    else problems.push(...parsed.problems);
  }
  return { presets, problems };
}
