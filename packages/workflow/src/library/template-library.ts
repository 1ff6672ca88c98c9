/**
 * The template library: the built-in txt2img template, the presets and the workflow templates, read by one
 * loader into one list of `Template`s.
 */
import { join } from 'node:path';

import { builtinTxt2ImgTemplate } from '../txt2img/default-graph.js';
import type { LibraryProblem } from './library-files.js';
import { loadPresetFiles } from './preset-files.js';
import type { Template, TemplateSource } from './template.js';
import { loadWorkflowFiles } from './workflow-files.js';

export interface TemplateLibraryOptions {
  /** Holds `workflows/` and `params/` (and `presets/` unless `presetsDir` says otherwise): `config/comfy`. */
  root: string;
  presetsDir?: string;
}

/** A file that could not be used, with the kind of template it was meant to be. */
export interface TemplateLibraryProblem extends LibraryProblem {
  source: Exclude<TemplateSource, 'builtin'>;
}

export interface TemplateLibrary {
  /** The built-in template first, then the presets, then the workflow templates, each sorted by file name. */
  templates: Template[];
  /** Files that were skipped, with the reason; the others still load. */
  problems: TemplateLibraryProblem[];
}

/** Loads and validates every template file; never throws for a bad file. */
export async function loadTemplateLibrary(options: TemplateLibraryOptions): Promise<TemplateLibrary> {
  const [presets, workflows] = await Promise.all([
    loadPresetFiles(options.presetsDir ?? join(options.root, 'presets')),
    loadWorkflowFiles(options.root),
  ]);
  return {
    templates: [builtinTxt2ImgTemplate, ...presets.templates, ...workflows.templates],
    problems: [
      ...presets.problems.map((problem) => ({ ...problem, source: 'preset' as const })),
      ...workflows.problems.map((problem) => ({ ...problem, source: 'workflow' as const })),
    ],
  };
}

/** The library's templates of one source. */
export function templatesFrom(library: TemplateLibrary, source: TemplateSource): Template[] {
  return library.templates.filter((template) => template.source === source);
}
