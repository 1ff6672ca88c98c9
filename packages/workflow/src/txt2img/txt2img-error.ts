/** Why a txt2img request cannot be built; every kind maps to a 422 in the API. */
import type { Txt2ImgFeature } from '@atelier/contract';

import type { ComboValue } from '../object-info.js';

export type Txt2ImgIssue =
  /** A parameter breaks its bounds or type (or the preset's stricter contract). */
  | { kind: 'invalid_param'; param: string; message: string }
  /**
   * A checkpoint, sampler, scheduler or LoRA the server does not offer (`allowed` lists what it does), or an input
   * image that is not known (`allowed` is empty when the caller decides what is known).
   */
  | {
      kind: 'unknown_value';
      param: 'checkpoint' | 'sampler' | 'scheduler' | 'loras' | 'image' | 'mask';
      value: string | null;
      allowed: ComboValue[];
      message: string;
    }
  /** A requested switch (or the base graph itself) needs a node class the server lacks. */
  | {
      kind: 'missing_node_class';
      feature: Txt2ImgFeature | 'loras' | 'base' | 'image';
      classType: string;
      message: string;
    }
  | { kind: 'unknown_preset'; preset: string; available: string[]; message: string }
  /** The chosen preset cannot take this parameter or switch. */
  | { kind: 'unsupported'; param: string; message: string };

export class Txt2ImgBuildError extends Error {
  override readonly name = 'Txt2ImgBuildError';

  constructor(readonly issues: Txt2ImgIssue[]) {
    super(issues.map((issue) => issue.message).join('; '));
  }

  /** The node classes the server would need, deduplicated (for "install these custom nodes" messages). */
  get missingNodeClasses(): string[] {
    const classes = this.issues.flatMap((issue) =>
      issue.kind === 'missing_node_class' ? [issue.classType] : [],
    );
    return [...new Set(classes)];
  }
}

export function isTxt2ImgBuildError(error: unknown): error is Txt2ImgBuildError {
  return error instanceof Txt2ImgBuildError;
}
