/** Checking a txt2img request against the one txt2img schema (`txt2imgParamsSchema`) and the rules across fields. */
import { txt2imgParamsSchema, type Txt2ImgParams } from '@atelier/contract';

import { compileSchema, type ErrorObject } from '../params/ajv.js';
import { Txt2ImgBuildError, type Txt2ImgIssue } from './txt2img-error.js';

declare const checked: unique symbol;

/** Parameters that passed `parseTxt2ImgParams`: the builder takes only these, so a request is checked once. */
export type CheckedTxt2ImgParams = Txt2ImgParams & { readonly [checked]: true };

const typeNames: Record<string, string> = {
  integer: 'an integer number',
  number: 'a number conforming to the specified constraints',
  string: 'a string',
  boolean: 'a boolean value',
  array: 'an array',
};

// Worded as the API's class-validator DTOs word theirs, so every route's 400 reads alike.
function messageOf(error: ErrorObject, param: string): string {
  const extra = error.params as Record<string, unknown>;
  const subject = error.instancePath.split('/').length > 2 ? `each value in ${param}` : param;
  switch (error.keyword) {
    case 'additionalProperties':
      return `property ${param} should not exist`;
    case 'required':
      return `${param} is required`;
    case 'pattern':
      if (param === 'caption') return 'caption must not be empty';
      if (param === 'preset') return 'preset must be a preset name';
      return `${param} must be a relative file name (no leading "/", no "..", no backslash)`;
    case 'type':
      return `${subject} must be ${typeNames[String(extra.type)] ?? String(extra.type)}`;
    case 'minimum':
      return `${subject} must not be less than ${String(extra.limit)}`;
    case 'maximum':
      return `${subject} must not be greater than ${String(extra.limit)}`;
    case 'multipleOf':
      return `${subject} must be a multiple of ${String(extra.multipleOf)}`;
    case 'minLength':
      return `${subject} must be longer than or equal to ${String(extra.limit)} characters`;
    case 'maxLength':
      return `${subject} must be shorter than or equal to ${String(extra.limit)} characters`;
    case 'maxItems':
      return `${subject} must contain no more than ${String(extra.limit)} elements`;
    case 'enum':
      return `${subject} must be one of the following values: ${(extra.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${subject} ${error.message ?? 'is invalid'}`;
  }
}

function toIssue(error: ErrorObject): Txt2ImgIssue {
  const extra = error.params as Record<string, unknown>;
  // The top-level field: an array item's error belongs to its array (`lora_weights`, not `lora_weights/1`).
  const param =
    typeof extra.additionalProperty === 'string'
      ? extra.additionalProperty
      : typeof extra.missingProperty === 'string'
        ? extra.missingProperty
        : error.instancePath.split('/')[1] || 'params';
  return { kind: 'invalid_param', param, message: messageOf(error, param) };
}

/** The rules JSON Schema does not say: one weight per LoRA, image-only parameters, inpainting keeps the size. */
function crossFieldIssues(params: Txt2ImgParams): Txt2ImgIssue[] {
  const issues: Txt2ImgIssue[] = [];
  const invalid = (param: string, message: string) => issues.push({ kind: 'invalid_param', param, message });
  if (params.lora_weights && params.lora_weights.length !== (params.loras?.length ?? 0)) {
    invalid('lora_weights', 'lora_weights must have one weight per LoRA');
  }
  if (params.image === undefined) {
    if (params.mask !== undefined) invalid('mask', 'mask needs an image to inpaint');
    if (params.denoise !== undefined)
      invalid('denoise', 'denoise applies to img2img and inpainting: set image');
  } else if (params.mask !== undefined) {
    for (const side of ['width', 'height'] as const) {
      if (params[side] !== undefined) invalid(side, `inpainting keeps the image's size: leave ${side} out`);
    }
  }
  if (params.mask_channel !== undefined && params.mask === undefined) {
    invalid('mask_channel', 'mask_channel needs a mask');
  }
  return issues;
}

/**
 * Checks a txt2img request: bounds and types from `txt2imgParamsSchema`, unknown fields refused, then the rules
 * across fields.
 *
 * @throws Txt2ImgBuildError with one `invalid_param` issue per problem.
 */
export function parseTxt2ImgParams(value: unknown): CheckedTxt2ImgParams {
  const validate = compileSchema(txt2imgParamsSchema);
  if (!validate(value)) throw new Txt2ImgBuildError((validate.errors ?? []).map(toIssue));
  const params = value as Txt2ImgParams;
  const issues = crossFieldIssues(params);
  if (issues.length) throw new Txt2ImgBuildError(issues);
  return params as CheckedTxt2ImgParams;
}
