/** POST /api/comfy/workflows/import and the workflow exports (GET …/workflow?format=api|ui). */
import type { ComfyConversionWarning } from './comfy-workflows.js';

/** The multipart part that carries the file (POST /comfy/upload calls its part `image`). */
export const importFileField = 'file';

/** What the file was: a JSON document, or an image with the workflow embedded in its metadata. */
export type ComfyImportSource = 'json' | 'png' | 'webp';

export type ComfyWidgetType = 'INT' | 'FLOAT' | 'STRING' | 'COMBO' | 'BOOLEAN';

/** One literal input of a node, with its spec from the server's object_info (bounds, combo options). */
export interface ComfyImportWidget {
  input: string;
  value: unknown;
  type: ComfyWidgetType;
  min?: number;
  max?: number;
  step?: number;
  /** COMBO: the values the server offers now. */
  options?: (string | number | boolean)[];
  /** STRING: a multi-line text box in ComfyUI. */
  multiline?: boolean;
}

export interface ComfyImportNode {
  id: string;
  class_type: string;
  /** `_meta.title` or the UI title when it differs from the class name; else null. */
  title: string | null;
  widgets: ComfyImportWidget[];
}

export interface ComfyImportResponse {
  source: ComfyImportSource;
  /** The format of the workflow that was found: an image with both prefers the UI workflow. */
  format: 'ui' | 'api';
  /** The UI workflow, when the file had one (queue it as is to keep its layout in the ledger). */
  workflow: Record<string, unknown> | null;
  /** The API prompt it converts to (or that the file held). */
  prompt: Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: { title: string } }>;
  warnings: ComfyConversionWarning[];
  /** The prompt's nodes in prompt order, their widget inputs typed from object_info. */
  nodes: ComfyImportNode[];
}

export type ComfyExportFormat = 'api' | 'ui';
