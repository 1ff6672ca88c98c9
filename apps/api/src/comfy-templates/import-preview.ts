import type { ComfyImportNode, ComfyImportWidget, ComfyWidgetType } from '@atelier/contract';
import {
  findInputSpec,
  getNodeClass,
  isApiLink,
  type ApiPrompt,
  type InputSpec,
  type ObjectInfo,
} from '@atelier/workflow';

const widgetTypes = new Set<string>(['INT', 'FLOAT', 'STRING', 'COMBO', 'BOOLEAN']);

function numberOption(spec: InputSpec, key: string): number | undefined {
  const value = spec.options[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A literal input with what object_info says of it; null for sockets and inputs the class does not declare. */
function widgetOf(input: string, value: unknown, spec: InputSpec | null): ComfyImportWidget | null {
  if (!spec || !widgetTypes.has(spec.type)) return null;
  const widget: ComfyImportWidget = { input, value, type: spec.type as ComfyWidgetType };
  if (spec.type === 'INT' || spec.type === 'FLOAT') {
    const min = numberOption(spec, 'min');
    const max = numberOption(spec, 'max');
    const step = numberOption(spec, 'step');
    if (min !== undefined) widget.min = min;
    if (max !== undefined) widget.max = max;
    if (step !== undefined) widget.step = step;
  }
  if (spec.type === 'COMBO') widget.options = [...(spec.comboValues ?? [])];
  if (spec.type === 'STRING' && spec.options.multiline === true) widget.multiline = true;
  return widget;
}

/**
 * The nodes of an imported prompt with their literal inputs typed from the server's object_info, for the preview
 * and the save dialog (which offers each widget as a parameter, with its bounds). Links are left out: they are
 * not values one can expose.
 */
export function importPreview(prompt: ApiPrompt, objectInfo: ObjectInfo): ComfyImportNode[] {
  return Object.entries(prompt).map(([id, node]) => {
    const def = getNodeClass(objectInfo, node.class_type);
    const widgets: ComfyImportWidget[] = [];
    for (const [input, value] of Object.entries(node.inputs ?? {})) {
      if (!def || isApiLink(value)) continue;
      const widget = widgetOf(input, value, findInputSpec(def, input)?.spec ?? null);
      if (widget) widgets.push(widget);
    }
    const title = node._meta?.title;
    return {
      id,
      class_type: node.class_type,
      title: typeof title === 'string' && title !== node.class_type ? title : null,
      widgets,
    };
  });
}
