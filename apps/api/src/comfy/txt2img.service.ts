import type { AuthUser, FieldErrors, Txt2ImgParams, Txt2ImgResponse } from '@atelier/contract';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  buildTxt2ImgPrompt,
  isTxt2ImgBuildError,
  loadPresets,
  type ObjectInfo,
  type Preset,
  type Txt2ImgBuildError,
} from '@atelier/workflow';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import type { Txt2ImgDto } from './comfy.dto.js';
import { COMFY_INPUT_IMAGES, type ComfyInputImages } from './input-images.port.js';
import { JobLedgerService } from './job-ledger.service.js';
import { ObjectInfoCache } from './object-info.cache.js';

/** Presets are re-read at most this often, so edits apply without a restart. */
const presetsTtlMs = 10_000;

/**
 * POST /api/comfy/txt2img: the validated request → the workflow package's builder (a preset's
 * template patched through its parameter contract, or the core fallback graph, names checked against
 * the cached object_info) → the ledger. The response carries the seed actually used.
 */
@Injectable()
export class Txt2ImgService {
  private readonly logger = new Logger(Txt2ImgService.name);
  private presets: { at: number; presets: Preset[] } | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly objectInfo: ObjectInfoCache,
    private readonly ledger: JobLedgerService,
    @Optional() @Inject(COMFY_INPUT_IMAGES) private readonly inputImages: ComfyInputImages | null = null,
  ) {}

  async create(user: AuthUser, dto: Txt2ImgDto, idempotencyKey: string | null): Promise<Txt2ImgResponse> {
    const params = withoutUndefined(dto);
    const objectInfo = (await this.objectInfo.objectInfo()) as ObjectInfo;
    const inputNames = [params.image, params.mask].filter((name) => name !== undefined);
    const isKnownInputImage =
      inputNames.length > 0 && this.inputImages ? await this.inputImages.knownTo(user, inputNames) : null;
    let built: ReturnType<typeof buildTxt2ImgPrompt>;
    try {
      built = buildTxt2ImgPrompt(params, {
        objectInfo,
        presets: await this.loadPresets(),
        ...(isKnownInputImage ? { isKnownInputImage } : {}),
      });
    } catch (error) {
      throw isTxt2ImgBuildError(error) ? toAppError(error) : error;
    }
    const job = await this.ledger.submit({
      owner: user,
      kind: 'txt2img',
      workflow: built.prompt,
      params: { ...params, seed: built.seed },
      callerClientId: null,
      idempotencyKey,
      request: params,
    });
    // From the ledger, not the build: a retried request gets the first one's seed and graph.
    const seed = job.params?.seed;
    return {
      prompt_id: job.promptId,
      client_id: job.comfyClientId,
      seed: typeof seed === 'number' ? seed : built.seed,
      workflow: job.workflow,
    };
  }

  private async loadPresets(): Promise<Preset[]> {
    if (this.presets && Date.now() - this.presets.at < presetsTtlMs) return this.presets.presets;
    const library = await loadPresets(this.config.comfyTuning.presetsDir);
    for (const problem of library.problems) this.logger.warn(problem, 'Skipping a txt2img preset');
    this.presets = { at: Date.now(), presets: library.presets };
    return library.presets;
  }
}

function withoutUndefined(dto: Txt2ImgDto): Txt2ImgParams {
  return Object.fromEntries(
    Object.entries(dto).filter(([, value]) => value !== undefined),
  ) as unknown as Txt2ImgParams;
}

/**
 * Missing node classes (the server lacks what a switch needs) and switches the preset cannot take are 422;
 * values the server does not offer, bad parameters and unknown presets are 400 with per-field messages.
 */
function toAppError(error: Txt2ImgBuildError): AppError {
  const missing = error.missingNodeClasses;
  if (missing.length > 0) {
    return new AppError(
      'comfy.unsupported_feature',
      `ComfyUI lacks the node classes this request needs: ${missing.join(', ')}`,
      { missing_node_classes: missing, issues: error.issues },
    );
  }
  const fields: FieldErrors = {};
  let unsupported = false;
  for (const issue of error.issues) {
    if (issue.kind === 'unsupported') unsupported = true;
    const field =
      issue.kind === 'unknown_preset'
        ? 'preset'
        : issue.kind === 'missing_node_class'
          ? issue.feature
          : issue.param;
    fields[field] = [...(fields[field] ?? []), issue.message];
  }
  if (unsupported) {
    return new AppError('comfy.unsupported_feature', error.message, { fields, issues: error.issues });
  }
  return new AppError('validation_failed', error.message, fields);
}
