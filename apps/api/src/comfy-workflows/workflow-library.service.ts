import type { ComfyWorkflowListResponse, ComfyWorkflowTemplate, ObjectInfo } from '@atelier/contract';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  checkTemplate,
  loadWorkflowLibrary,
  type PromptProblem,
  type WorkflowLibrary,
  type WorkflowTemplate,
} from '@atelier/workflow';
import { join } from 'node:path';
import { describeComfyError } from '../comfy/comfy-errors.js';
import { ObjectInfoCache } from '../comfy/object-info.cache.js';
import { AppConfig } from '../config/app-config.js';
import { toLibraryProblem, toTemplateProblem } from './template-views.js';

/** The library is re-read at most this often, so edited files apply without a restart. */
const libraryTtlMs = 10_000;

/** The verdicts of one library load against one object_info copy. */
interface Verdicts {
  info: ObjectInfo;
  library: WorkflowLibrary;
  fetchedAt: string;
  problems: Map<string, PromptProblem[]>;
}

/**
 * The workflow library: `<config>/comfy/workflows/<name>.api.json` with `<config>/comfy/params/<name>.schema.json`.
 * Each template is checked against object_info (`checkTemplate`: missing node classes or inputs, values such
 * as a checkpoint no longer installed) whenever ObjectInfoCache fetches a new copy and on the first listing;
 * the verdicts are kept per object_info copy and library load.
 */
@Injectable()
export class WorkflowLibraryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkflowLibraryService.name);
  private readonly root: string;
  private loaded: { at: number; library: WorkflowLibrary } | null = null;
  private loading: Promise<WorkflowLibrary> | null = null;
  private verdicts: Verdicts | null = null;
  private detach: () => void = () => {};

  constructor(
    config: AppConfig,
    private readonly objectInfo: ObjectInfoCache,
  ) {
    this.root = join(config.configDir, 'comfy');
  }

  onApplicationBootstrap(): void {
    this.detach = this.objectInfo.onRefreshed((info, fetchedAt) => {
      void this.library()
        .then((library) => this.check(library, info, fetchedAt.toISOString()))
        .catch((error: unknown) => this.logger.error({ err: error }, 'Checking the workflow library failed'));
    });
  }

  onModuleDestroy(): void {
    this.detach();
  }

  /** Every loaded template with its verdict; files that did not load are listed apart. */
  async list(): Promise<ComfyWorkflowListResponse> {
    const library = await this.library();
    let verdicts: Verdicts | null = null;
    try {
      const current = await this.objectInfo.get();
      verdicts = this.check(library, current.object_info as ObjectInfo, current.fetched_at);
    } catch (error) {
      // The list is still useful without ComfyUI; it says the templates were not checked.
      this.logger.warn({ error: describeComfyError(error) }, 'Listing workflows without object_info');
    }
    return {
      items: library.workflows.map((template) => view(template, verdicts?.problems.get(template.name) ?? [])),
      library_problems: library.problems.map(toLibraryProblem),
      checked_against: verdicts?.fetchedAt ?? null,
    };
  }

  /** A template by name, or null. */
  async find(name: string): Promise<WorkflowTemplate | null> {
    return (await this.library()).workflows.find((template) => template.name === name) ?? null;
  }

  /** What keeps `template` from running on the server now (asks ComfyUI for object_info when not cached). */
  async problemsOf(template: WorkflowTemplate): Promise<PromptProblem[]> {
    const library = await this.library();
    const current = await this.objectInfo.get();
    const verdicts = this.check(library, current.object_info as ObjectInfo, current.fetched_at);
    return verdicts.problems.get(template.name) ?? checkTemplate(template, current.object_info as ObjectInfo);
  }

  private check(library: WorkflowLibrary, info: ObjectInfo, fetchedAt: string): Verdicts {
    const cached = this.verdicts;
    if (cached?.info === info && cached.library === library) return cached;
    const problems = new Map<string, PromptProblem[]>();
    for (const template of library.workflows) {
      const found = checkTemplate(template, info);
      problems.set(template.name, found);
      const before = cached?.problems.get(template.name)?.length ?? 0;
      if (found.length > 0 && before === 0) {
        this.logger.warn(
          { template: template.name, problems: found.map((p) => `node ${p.nodeId}: ${p.message}`) },
          'A workflow template does not fit the ComfyUI server',
        );
      }
    }
    this.verdicts = { info, library, fetchedAt, problems };
    return this.verdicts;
  }

  private library(): Promise<WorkflowLibrary> {
    if (this.loaded && Date.now() - this.loaded.at < libraryTtlMs)
      return Promise.resolve(this.loaded.library);
    this.loading ??= loadWorkflowLibrary(this.root)
      .then((library) => {
        for (const problem of library.problems) this.logger.warn(problem, 'Skipping a workflow library file');
        this.loaded = { at: Date.now(), library };
        return library;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}

function view(template: WorkflowTemplate, problems: PromptProblem[]): ComfyWorkflowTemplate {
  return {
    name: template.name,
    title: template.title,
    description: template.description,
    params: template.params,
    broken: problems.length > 0,
    problems: problems.map(toTemplateProblem),
  };
}
