import { Injectable, type PipeTransform } from '@nestjs/common';
import { isTxt2ImgBuildError, parseTxt2ImgParams, type CheckedTxt2ImgParams } from '@atelier/workflow';
import { txt2imgParamsRefused } from './template-views.js';

/**
 * POST /api/comfy/txt2img's body, checked against the one txt2img schema (`txt2imgParamsSchema`) before any
 * work is done: 400 `validation_failed` with per-field messages, as the other routes' DTOs answer.
 */
@Injectable()
export class Txt2ImgParamsPipe implements PipeTransform<unknown, CheckedTxt2ImgParams> {
  transform(body: unknown): CheckedTxt2ImgParams {
    try {
      return parseTxt2ImgParams(body);
    } catch (error) {
      throw isTxt2ImgBuildError(error) ? txt2imgParamsRefused(error) : error;
    }
  }
}
