import {
  maxWorkflowNodes,
  type AuthUser,
  type ComfyWorkflowDetail,
  type ComfyWorkflowSaveRequest,
  type ComfyWorkflowVersionRequest,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import {
  checkParamContract,
  isApiPrompt,
  templateName,
  templateVersion,
  type ApiPrompt,
  type ParamSchema,
} from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import { EventBus } from '../events/event-bus.js';
import { GraphPolicy } from './graph-policy.js';
import { SavedTemplatesRepository } from './saved-templates.repository.js';
import { TemplateLibraryService } from './template-library.service.js';

interface Draft {
  name: string;
  title: string;
  description: string;
  prompt: Record<string, unknown>;
  params: Record<string, unknown>;
  created: boolean;
}

const invalid = (field: string, message: string) =>
  new AppError('validation_failed', 'The template is invalid', { [field]: [message] });

/** The prompt as the library keeps it: every node with an `inputs` object. */
function checkedPrompt(prompt: Record<string, unknown>): ApiPrompt {
  if (!isApiPrompt(prompt))
    throw invalid('prompt', 'must map node ids to {"class_type": string, "inputs": object}');
  const count = Object.keys(prompt).length;
  if (count > maxWorkflowNodes) throw invalid('prompt', `must have at most ${maxWorkflowNodes} nodes`);
  return Object.fromEntries(
    Object.entries(prompt).map(([id, node]) => [id, { ...node, inputs: node.inputs ?? {} }]),
  );
}

/**
 * Saving workflow templates (curators): a new name (POST /workflows) or a new version of a saved or shipped one
 * (POST /workflows/:name/versions). Rows go to the database, never into the config folder (the checkout's). A
 * saved template runs for every user, so its graph must pass the GraphPolicy as a raw graph of the saver would
 * (the raw-graph role, the node allow-list, the caps, file paths) and its contract must fit the prompt
 * (`checkParamContract`, 400 `{params}`). One that does not fit the ComfyUI server is saved all the same: the
 * answer, like the listing, says `broken` with its problems (a custom node may be installed next).
 */
@Injectable()
export class TemplateSaves {
  constructor(
    private readonly library: TemplateLibraryService,
    private readonly rows: SavedTemplatesRepository,
    private readonly policy: GraphPolicy,
    private readonly bus: EventBus,
  ) {}

  /** A new template; a name the library already has (saved or shipped) is 409 `conflict`. */
  async create(user: AuthUser, body: ComfyWorkflowSaveRequest): Promise<ComfyWorkflowDetail> {
    if (!templateName.test(body.name))
      throw invalid(
        'name',
        'must be letters, digits, "_", "." or "-" (at most 128), starting with a letter or digit',
      );
    const taken =
      (await this.library.find('workflow', body.name)) !== null ||
      (await this.rows.versionsOf(body.name)).length > 0;
    if (taken) {
      throw new AppError(
        'conflict',
        `There is already a workflow "${body.name}": save a new version of it, or choose another name`,
        { name: ['is taken'] },
      );
    }
    return this.save(user, { ...body, description: body.description ?? '', created: true });
  }

  /** A new version of an existing template (a shipped one gets its first saved version, which shadows the file). */
  async addVersion(
    user: AuthUser,
    name: string,
    body: ComfyWorkflowVersionRequest,
  ): Promise<ComfyWorkflowDetail> {
    const current = templateName.test(name) ? await this.library.find('workflow', name) : null;
    if (!current) throw new AppError('not_found', `There is no workflow "${name}"`);
    return this.save(user, {
      name,
      title: body.title ?? current.title,
      description: body.description ?? current.description,
      prompt: body.prompt,
      params: body.params,
      created: false,
    });
  }

  private async save(user: AuthUser, draft: Draft): Promise<ComfyWorkflowDetail> {
    // The role first, as POST /queue does: nothing of the graph is read for someone who may not send one.
    this.policy.assertMayQueueGraph(user);
    const prompt = checkedPrompt(draft.prompt);
    const contractProblems = checkParamContract(prompt, draft.params);
    if (contractProblems.length > 0) {
      throw new AppError('validation_failed', 'The parameter contract does not fit the prompt', {
        params: contractProblems,
      });
    }
    await this.policy.check(user, prompt, 'graph');
    const params = draft.params as ParamSchema;
    const version = templateVersion(prompt, params);
    const earlier = await this.rows.versionsOf(draft.name);
    const file = (await this.library.files()).templates.find(
      (t) => t.source === 'workflow' && t.name === draft.name,
    );
    if (earlier.some((row) => row.version === version) || file?.version === version)
      throw this.sameVersion(draft.name, version);
    const row = await this.rows.insert({
      name: draft.name,
      version,
      title: draft.title,
      description: draft.description,
      promptJson: JSON.stringify(prompt),
      paramsJson: JSON.stringify(params),
      createdBy: user.id,
      createdByUsername: user.username,
      createdAt: new Date().toISOString(),
    });
    if (!row) throw this.sameVersion(draft.name, version);
    this.library.savedChanged();
    await this.bus.publish('comfy.template_saved', {
      actor: { id: user.id, username: user.username },
      name: draft.name,
      version,
      created: draft.created,
      shadowsFile: file !== undefined && earlier.length === 0,
    });
    const detail = await this.library.detail(draft.name);
    if (!detail) throw new Error(`The saved workflow "${draft.name}" is not in the library`);
    return detail;
  }

  private sameVersion(name: string, version: string): AppError {
    return new AppError(
      'conflict',
      `The workflow "${name}" already has this prompt and contract (version ${version}); run that version instead`,
      { version: [version] },
    );
  }
}
