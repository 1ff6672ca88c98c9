import {
  comfyImageTypes,
  roleAtLeast,
  txt2imgBounds,
  type AuthUser,
  type ComfyImageRef,
  type ComfyImageType,
  type FieldErrors,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type { ApiPrompt } from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import { ImageAccess } from '../comfy/image-access.js';
import { unsafePathReason } from '../comfy/view-proxy.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { parseLoadImageValue, uploadNamePattern } from '../comfy-uploads/upload-views.js';
import { UploadedInputImages } from '../comfy-uploads/uploaded-input-images.js';
import { assertWithinRoleLimits } from '../limits/graph-limits.js';
import { RoleLimitsService } from '../limits/role-limits.service.js';

/** Where a graph came from: the caller's own (POST /queue), a workflow template, or the txt2img builder. */
export type GraphSource = 'graph' | 'template' | 'txt2img';

interface Cap {
  min: number;
  max: number;
  multipleOf?: number;
}

const b = txt2imgBounds;
/** Latent makers (EmptyLatentImage, EmptySD3LatentImage, …): their size is what txt2img's width/height bound. */
const latentSource = /^Empty.*Latent/;

/**
 * The caps that bound txt2img, for any node of any graph: sampling steps, image size and batch size. Inputs of
 * these names on other nodes (an upscaler's width, a scheduler's steps) keep the upper bound only: 0 often
 * means "keep" there, and the cost the caps bound grows with the value.
 */
function capOf(classType: string, input: string): Cap | undefined {
  switch (input) {
    case 'steps':
      return b.steps;
    case 'batch_size':
      return b.batch_size;
    case 'width':
    case 'height': {
      const bounds = input === 'width' ? b.width : b.height;
      return latentSource.test(classType) ? bounds : { min: Number.NEGATIVE_INFINITY, max: bounds.max };
    }
    default:
      return undefined;
  }
}

function capProblem(cap: Cap, value: number): string | null {
  if (value > cap.max) return `must be at most ${cap.max}`;
  if (value < cap.min) return `must be at least ${cap.min}`;
  if (cap.multipleOf !== undefined && value % cap.multipleOf !== 0)
    return `must be a multiple of ${cap.multipleOf}`;
  return null;
}

/** Inputs that name a file ComfyUI reads (LoadImage, LoadImageMask) or a path it writes under (Save* nodes). */
const pathInputs: ReadonlySet<string> = new Set(['image', 'mask', 'filename_prefix']);

/**
 * A file as LoadImage reads it: `<subfolder>/<name>` in the input folder, or in the output or temp folder when
 * annotated ` [output]` / ` [temp]` (ComfyUI's folder_paths drops the annotation and the one character before it).
 */
function annotatedFile(value: string): ComfyImageRef & { path: string } {
  let path = value;
  let type: ComfyImageType = 'input';
  for (const folder of comfyImageTypes) {
    const tag = `[${folder}]`;
    if (value.endsWith(tag)) {
      path = value.slice(0, Math.max(0, value.length - tag.length - 1));
      type = folder;
      break;
    }
  }
  const { subfolder, name } = parseLoadImageValue(path);
  return { path, subfolder, filename: name, type };
}

function unsafeFileReason(
  input: string,
  value: string,
  file: ComfyImageRef & { path: string },
): string | null {
  // /view's longest subfolder: a longer path can only fail at save time, after ComfyUI did the work.
  if (value.length > 1024) return 'is longer than 1024 characters';
  if (input === 'filename_prefix') return unsafePathReason(value, 'subfolder');
  // "name [temp]" of a file at the top of its folder is spelt "/name [temp]" (an empty subfolder); an input is not.
  if (file.type === 'input' && value.startsWith('/')) return 'is an absolute path';
  return (
    (file.subfolder ? unsafePathReason(file.subfolder, 'subfolder') : null) ??
    unsafePathReason(file.filename, 'filename')
  );
}

/**
 * What a graph may contain before it is queued, whatever route it came by (TemplateRuns calls this on every
 * graph after conversion): raw graphs need `comfy_raw_graph_min_role`, their node classes must be on
 * `comfy_node_allow_list` when it is not empty (admins, who set it, are not held to it; templates and the
 * txt2img builder are the server's own graphs), the txt2img caps hold for every node, file inputs (`image`, `mask`,
 * `filename_prefix`) stay inside their folder (every spelling /view refuses), and an input naming one
 * of our uploads must name one the caller may use (an output or temp file: one of their images, see ImageAccess). Refusals are 400 `validation_failed` keyed
 * `<node id>.class_type` or `<node id>.inputs.<input>`. Then the caller's role limits (steps, pixels, batch size:
 * 400 `comfy.limit_exceeded`, or 403 `comfy.not_allowed` where the role's limit is 0).
 */
@Injectable()
export class GraphPolicy {
  constructor(
    private readonly runtime: RuntimeConfig,
    private readonly inputImages: UploadedInputImages,
    private readonly images: ImageAccess,
    private readonly limits: RoleLimitsService,
  ) {}

  /** Whether the caller may queue a graph of their own (the web shows "Run once" on an import only then). */
  mayQueueGraph(user: AuthUser): boolean {
    return roleAtLeast(user.role, this.runtime.get().comfy_raw_graph_min_role);
  }

  /** Checked before the graph is read at all. */
  assertMayQueueGraph(user: AuthUser): void {
    const required = this.runtime.get().comfy_raw_graph_min_role;
    if (!this.mayQueueGraph(user)) {
      throw new AppError(
        'auth.forbidden',
        `Queueing a graph of your own needs the ${required} role; run a workflow template or txt2img instead`,
      );
    }
  }

  async check(user: AuthUser, prompt: ApiPrompt, source: GraphSource): Promise<void> {
    const errors: FieldErrors = {};
    const add = (field: string, message: string) => (errors[field] ??= []).push(message);
    const allowList =
      source === 'graph' && user.role !== 'admin' ? this.runtime.get().comfy_node_allow_list : [];
    const uploadInputs: { field: string; name: string }[] = [];
    const imageInputs: { field: string; value: string; ref: ComfyImageRef }[] = [];

    for (const [nodeId, node] of Object.entries(prompt)) {
      const classType = node.class_type;
      if (allowList.length > 0 && !allowList.includes(classType))
        add(`${nodeId}.class_type`, `"${classType}" is not a node class this server allows`);
      for (const [input, value] of Object.entries(node.inputs)) {
        const field = `${nodeId}.inputs.${input}`;
        if (typeof value === 'number') {
          const cap = capOf(classType, input);
          const problem = cap ? capProblem(cap, value) : null;
          if (problem) add(field, `${classType} ${input} ${problem}`);
        } else if (typeof value === 'string') {
          const file = annotatedFile(value);
          // ComfyUI's own checks differ by node and version: a path that could leave its folder never reaches it.
          const unsafe = pathInputs.has(input) ? unsafeFileReason(input, value, file) : null;
          if (unsafe) {
            add(field, `${classType} ${input} ${unsafe}`);
            continue;
          }
          if (file.type !== 'input') imageInputs.push({ field, value, ref: file });
          else if (uploadNamePattern.test(file.filename)) uploadInputs.push({ field, name: file.path });
        }
      }
    }

    if (uploadInputs.length > 0) {
      const mayUse = await this.inputImages.knownTo(
        user,
        uploadInputs.map((input) => input.name),
      );
      // The same words whether the file belongs to someone else or to nobody: names are not to be probed.
      for (const { field, name } of uploadInputs)
        if (!mayUse(name)) add(field, `"${name}" is not an input image you uploaded`);
    }
    for (const { field, value, ref } of imageInputs)
      if (!(await this.images.maySee(user, ref))) add(field, `"${value}" is not an image of yours`);
    if (Object.keys(errors).length > 0) {
      throw new AppError('validation_failed', 'The graph breaks the rules of this server', errors);
    }
    // Then what the caller's role may ask for (admin-editable caps; 400/403 naming the cap).
    assertWithinRoleLimits(prompt, this.limits.forRole(user.role));
  }
}
