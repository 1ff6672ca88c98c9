import type {
  ComfyPresetListResponse,
  ComfyWorkflowDetail,
  ComfyWorkflowListResponse,
} from '@atelier/contract';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  checkTemplate,
  loadTemplateLibrary,
  templatesFrom,
  type ObjectInfo,
  type PromptProblem,
  type Template,
  type TemplateLibrary,
  type TemplateSource,
} from '@atelier/workflow';
import { join } from 'node:path';
import { describeComfyError } from '../comfy/comfy-errors.js';
import { ObjectInfoCache } from '../comfy/object-info.cache.js';
import { AppConfig } from '../config/app-config.js';
import { EventBus } from '../events/event-bus.js';
import {
  fileVersionSummary,
  latestPerName,
  savedTemplate,
  savedVersionSummary,
  withSaved,
} from './saved-library.js';
import { SavedTemplatesRepository } from './saved-templates.repository.js';
import { toLibraryProblem, toPresetSummary, toWorkflowView } from './template-views.js';

/** The library is re-read at most this often, so edited files apply without a restart. */
const libraryTtlMs = 10_000;

/** The verdicts of one library load against one object_info copy. */
interface Verdicts {
  info: ObjectInfo;
  library: TemplateLibrary;
  fetchedAt: string;
  /** By `verdictKey`: an old version run again is not judged by the current one's verdict. */
  problems: Map<string, PromptProblem[]>;
}

const verdictKey = (template: Template) => `${template.id}@${template.version}`;

/** Saved templates have no files: that is how a listing tells them from shipped ones. */
const originOf = (template: Template) => (template.files.length === 0 ? 'saved' : 'file');

/**
 * The template library (`loadTemplateLibrary`: the built-in txt2img graph, `<config>/comfy/presets`,
 * `workflows/` + `params/`), loaded once per 10 s for every route, plus the latest version of each template
 * curators saved (database; a saved name shadows a shipped file, which is how a shipped one gets a new version). Workflow templates run as they are, so each
 * is checked against object_info (`checkTemplate`) whenever a fresh copy is fetched and on the first listing;
 * the verdicts are kept per object_info copy and library load. Presets and the built-in graph are not: the
 * txt2img builder fills their checkpoint and sampler from what the server offers and checks the rest itself.
 */
@Injectable()
export class TemplateLibraryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TemplateLibraryService.name);
  private readonly root: string;
  private readonly presetsDir: string;
  private loaded: { at: number; library: TemplateLibrary } | null = null;
  private loading: Promise<TemplateLibrary> | null = null;
  /** The latest saved version per name; dropped on every save. */
  private saved: { at: number; templates: Promise<Template[]> } | null = null;
  /** One merged library per (files, saved) pair, so the verdicts' cache keeps working between loads. */
  private merged: { files: TemplateLibrary; saved: Template[]; library: TemplateLibrary } | null = null;
  private verdicts: Verdicts | null = null;
  private detach: () => void = () => {};

  constructor(
    config: AppConfig,
    private readonly objectInfo: ObjectInfoCache,
    private readonly bus: EventBus,
    private readonly savedRows: SavedTemplatesRepository,
  ) {
    this.root = join(config.configDir, 'comfy');
    this.presetsDir = config.comfyTuning.presetsDir;
  }

  onApplicationBootstrap(): void {
    this.detach = this.bus.subscribe(
      'comfy.object_info_refreshed',
      ({ info, fetchedAt }) =>
        this.library()
          .then((library) => {
            this.check(library, info, fetchedAt.toISOString());
          })
          .catch((error: unknown) =>
            this.logger.error({ err: error }, 'Checking the template library failed'),
          ),
      // In-memory verdicts: every replica re-checks its templates against a copy any replica fetched.
      { from: 'any-replica' },
    );
  }

  onModuleDestroy(): void {
    this.detach();
  }

  /** GET /workflows: every workflow template with its verdict; files that did not load are listed apart. */
  async listWorkflows(
    rights: Pick<ComfyWorkflowListResponse, 'can_queue_graph' | 'can_save'>,
  ): Promise<ComfyWorkflowListResponse> {
    const library = await this.library();
    let verdicts: Verdicts | null = null;
    try {
      const current = await this.objectInfo.get();
      verdicts = this.check(library, current.object_info, current.fetched_at);
    } catch (error) {
      // The list is still useful without ComfyUI; it says the templates were not checked.
      this.logger.warn({ error: describeComfyError(error) }, 'Listing workflows without object_info');
    }
    return {
      items: templatesFrom(library, 'workflow').map((template) =>
        toWorkflowView(template, verdicts?.problems.get(verdictKey(template)) ?? [], originOf(template)),
      ),
      library_problems: library.problems
        .filter((problem) => problem.source === 'workflow')
        .map(toLibraryProblem),
      checked_against: verdicts?.fetchedAt ?? null,
      ...rights,
    };
  }

  /** GET /presets: the templates POST /txt2img can name in `preset`. */
  async listPresets(): Promise<ComfyPresetListResponse> {
    return { items: templatesFrom(await this.library(), 'preset').map(toPresetSummary) };
  }

  /** The templates of one source, as currently loaded. */
  async templates(source: TemplateSource): Promise<Template[]> {
    return templatesFrom(await this.library(), source);
  }

  /** A template by source and name, or null. */
  async find(source: TemplateSource, name: string): Promise<Template | null> {
    return (await this.library()).templates.find((t) => t.source === source && t.name === name) ?? null;
  }

  /** What keeps a workflow template from running on the server now (asks ComfyUI for object_info when not cached). */
  async problemsOf(template: Template): Promise<PromptProblem[]> {
    const library = await this.library();
    const current = await this.objectInfo.get();
    const info = current.object_info;
    const verdicts = this.check(library, info, current.fetched_at);
    return verdicts.problems.get(verdictKey(template)) ?? checkTemplate(template, info);
  }

  /**
   * A workflow template by name at one version (one of its detail's `versions`): the current one, an older
   * saved one, or the shipped file a saved version shadows. Null when there is no such version.
   */
  async findVersion(name: string, version: string): Promise<Template | null> {
    const current = await this.find('workflow', name);
    if (current?.version === version) return current;
    const row = (await this.savedRows.versionsOf(name)).find((r) => r.version === version);
    if (row) return savedTemplate(row);
    const file = (await this.files()).templates.find(
      (t) => t.source === 'workflow' && t.name === name && t.version === version,
    );
    return file ?? null;
  }

  /** GET /workflows/:name: the current version (or `version`) with its prompt, verdict and every version that can run. */
  async detail(name: string, version?: string): Promise<ComfyWorkflowDetail | null> {
    const template =
      version === undefined ? await this.find('workflow', name) : await this.findVersion(name, version);
    if (!template) return null;
    let problems: PromptProblem[] = [];
    try {
      problems = await this.problemsOf(template);
    } catch (error) {
      // As the listing: without ComfyUI the template is shown unchecked.
      this.logger.warn({ error: describeComfyError(error) }, 'Showing a workflow without object_info');
    }
    const rows = await this.savedRows.versionsOf(name);
    const file = (await this.files()).templates.find((t) => t.source === 'workflow' && t.name === name);
    return {
      ...toWorkflowView(template, problems, originOf(template)),
      prompt: template.prompt,
      versions: [...rows.map(savedVersionSummary), ...(file ? [fileVersionSummary(file)] : [])],
    };
  }

  /** A version was saved: the next read takes it in. */
  savedChanged(): void {
    this.saved = null;
  }

  /** The shipped files only (what a saved name shadows is still there). */
  files(): Promise<TemplateLibrary> {
    return this.fileLibrary();
  }

  private check(library: TemplateLibrary, info: ObjectInfo, fetchedAt: string): Verdicts {
    const cached = this.verdicts;
    if (cached?.info === info && cached.library === library) return cached;
    const problems = new Map<string, PromptProblem[]>();
    for (const template of templatesFrom(library, 'workflow')) {
      const found = checkTemplate(template, info);
      problems.set(verdictKey(template), found);
      const before = cached?.problems.get(verdictKey(template))?.length ?? 0;
      if (found.length > 0 && before === 0) {
        this.logger.warn(
          { template: template.id, problems: found.map((p) => `node ${p.nodeId}: ${p.message}`) },
          'A workflow template does not fit the ComfyUI server',
        );
      }
    }
    this.verdicts = { info, library, fetchedAt, problems };
    return this.verdicts;
  }

  private async library(): Promise<TemplateLibrary> {
    const [files, saved] = await Promise.all([this.fileLibrary(), this.savedTemplates()]);
    const merged = this.merged;
    if (merged?.files === files && merged.saved === saved) return merged.library;
    const library = saved.length === 0 ? files : withSaved(files, saved);
    this.merged = { files, saved, library };
    return library;
  }

  /** Re-read as often as the files (another API process may have saved), and at once after a save here. */
  private savedTemplates(): Promise<Template[]> {
    if (this.saved && Date.now() - this.saved.at < libraryTtlMs) return this.saved.templates;
    const templates = this.savedRows
      .all()
      .then((rows) => latestPerName(rows).map(savedTemplate))
      .catch((error: unknown) => {
        // A failed read is not kept: the next call asks the database again.
        this.saved = null;
        throw error;
      });
    this.saved = { at: Date.now(), templates };
    return templates;
  }

  private fileLibrary(): Promise<TemplateLibrary> {
    if (this.loaded && Date.now() - this.loaded.at < libraryTtlMs)
      return Promise.resolve(this.loaded.library);
    this.loading ??= loadTemplateLibrary({ root: this.root, presetsDir: this.presetsDir })
      .then((library) => {
        for (const problem of library.problems) this.logger.warn(problem, 'Skipping a template file');
        this.loaded = { at: Date.now(), library };
        return library;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
