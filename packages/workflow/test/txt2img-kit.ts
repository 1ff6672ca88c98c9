/** What the txt2img specs share: the request checked then built, as the API does it, and the issues it throws. */
import {
  buildTxt2ImgPrompt,
  parseTxt2ImgParams,
  Txt2ImgBuildError,
  type BuildTxt2ImgOptions,
  type BuildTxt2ImgResult,
  type Txt2ImgIssue,
} from '../src/index.js';

export function build(params: unknown, options: BuildTxt2ImgOptions): BuildTxt2ImgResult {
  return buildTxt2ImgPrompt(parseTxt2ImgParams(params), options);
}

export function issuesOf(run: () => unknown): Txt2ImgIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof Txt2ImgBuildError) return error.issues;
    throw error;
  }
  throw new Error('expected a Txt2ImgBuildError');
}
