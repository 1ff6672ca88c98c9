/** @atelier/workflow — ComfyUI workflows without a browser: conversion, checks, templates, builders. */
export {
  isApiLink,
  isApiPrompt,
  isUiWorkflow,
  type ApiLink,
  type ApiNode,
  type ApiPrompt,
} from './api-prompt.js';
export {
  findInputSpec,
  getNodeClass,
  hasNodeClass,
  listComboOptions,
  type ComboValue,
  type InputSpec,
  type NodeClassInfo,
  type ObjectInfo,
} from './object-info.js';
export {
  WorkflowConversionError,
  isWorkflowConversionError,
  type ConversionIssue,
  type ConversionWarning,
} from './convert/conversion-error.js';
export { convertUiWorkflow, type ConvertOptions, type ConvertResult } from './convert/convert-ui-workflow.js';
export { toApiPrompt, type ToApiPromptResult } from './convert/to-api-prompt.js';
export { checkPromptAgainstObjectInfo, type PromptProblem, type PromptProblemKind } from './prompt-check.js';
export {
  applyParams,
  checkParamContract,
  type ApplyParamsOptions,
  type ApplyParamsResult,
  type ParamError,
  type ParamProperty,
  type ParamSchema,
  type PatchTarget,
} from './params/apply-params.js';
export { templateName, type LibraryProblem } from './library/library-files.js';
export {
  checkTemplate,
  createTemplate,
  templateVersion,
  type Template,
  type TemplateRef,
  type TemplateSource,
} from './library/template.js';
export { parsePreset } from './library/preset-files.js';
export {
  loadTemplateLibrary,
  templatesFrom,
  type TemplateLibrary,
  type TemplateLibraryOptions,
  type TemplateLibraryProblem,
} from './library/template-library.js';
export {
  buildTxt2ImgPrompt,
  type BuildTxt2ImgOptions,
  type BuildTxt2ImgResult,
} from './txt2img/build-txt2img.js';
export { parseTxt2ImgParams, type CheckedTxt2ImgParams } from './txt2img/txt2img-params.js';
export { txt2imgFeatureNodeClasses } from './txt2img/features.js';
export { Txt2ImgBuildError, isTxt2ImgBuildError, type Txt2ImgIssue } from './txt2img/txt2img-error.js';
export { builtinTxt2ImgTemplate, defaultTxt2ImgGraph } from './txt2img/default-graph.js';
export { emptyGraphParams, type GraphLora, type GraphParams } from './metadata/graph-params.js';
export { paramsFromApiPrompt } from './metadata/params-from-api-prompt.js';
export { readPngTextChunks } from './metadata/png-text-chunks.js';
export { paramsFromA1111 } from './metadata/a1111-parameters.js';
export { paramsFromPngChunks, type PngParams, type PngParamsOptions } from './metadata/png-params.js';
export { embeddedFormatOf, embeddedWorkflowOf, type EmbeddedWorkflow } from './metadata/embedded-workflow.js';
export { apiPromptToUiWorkflow, type UiWorkflow, type UiWorkflowNode } from './convert/to-ui-workflow.js';
