import type { ComfyWorkflowVersionSummary } from '@atelier/contract';
import {
  createTemplate,
  templatesFrom,
  type ApiPrompt,
  type ParamSchema,
  type Template,
  type TemplateLibrary,
} from '@atelier/workflow';
import type { SavedTemplateEntity } from './saved-template.entity.js';

/** A saved version as the library's other templates are: `workflow/<name>`, no files. */
export function savedTemplate(row: SavedTemplateEntity): Template {
  const template = createTemplate({
    name: row.name,
    source: 'workflow',
    title: row.title,
    description: row.description,
    prompt: JSON.parse(row.promptJson) as ApiPrompt,
    params: JSON.parse(row.paramsJson) as ParamSchema,
    files: [],
  });
  // The hash was taken when it was saved; it is what jobs recorded, whatever JSON key order reads back.
  return { ...template, version: row.version };
}

/** The newest row of each name (rows come newest first). */
export function latestPerName(rows: readonly SavedTemplateEntity[]): SavedTemplateEntity[] {
  const seen = new Map<string, SavedTemplateEntity>();
  for (const row of rows) if (!seen.has(row.name)) seen.set(row.name, row);
  return [...seen.values()];
}

/** The library with the saved templates in: a saved name shadows a shipped file (its "new version"), sorted by name. */
export function withSaved(files: TemplateLibrary, saved: readonly Template[]): TemplateLibrary {
  const names = new Set(saved.map((template) => template.name));
  const workflows = [
    ...templatesFrom(files, 'workflow').filter((template) => !names.has(template.name)),
    ...saved,
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    templates: [...files.templates.filter((template) => template.source !== 'workflow'), ...workflows],
    problems: files.problems,
  };
}

export function savedVersionSummary(row: SavedTemplateEntity): ComfyWorkflowVersionSummary {
  return {
    version: row.version,
    origin: 'saved',
    created_at: row.createdAt,
    created_by: row.createdBy === null ? null : { id: row.createdBy, username: row.createdByUsername },
  };
}

export function fileVersionSummary(template: Template): ComfyWorkflowVersionSummary {
  return { version: template.version, origin: 'file', created_at: null, created_by: null };
}
