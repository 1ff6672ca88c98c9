import type { ComfyImportNode, ComfyImportWidget } from '@atelier/contract';
import { selectionFor, type ParamSelection } from '../../domain/contract-builder';

/** One widget of the imported workflow in the save dialog: exposed or not, and its knob's settings. */
export interface SaveRow {
  key: string;
  node: ComfyImportNode;
  widget: ComfyImportWidget;
  exposed: boolean;
  /** COMBO: allow only the values the server offers now. */
  restrict: boolean;
  selection: ParamSelection;
}

/** A row per widget, names unique across the workflow (`steps`, `text`, `text_2`…). */
export function saveRows(nodes: readonly ComfyImportNode[]): SaveRow[] {
  const taken = new Set<string>();
  return nodes.flatMap((node) =>
    node.widgets.map((widget) => {
      const selection = selectionFor(node, widget, taken);
      taken.add(selection.name);
      return { key: `${node.id}.${widget.input}`, node, widget, exposed: false, restrict: false, selection };
    }),
  );
}

/** The exposed rows as the contract builder takes them (unset bounds left out). */
export function selectionsOf(rows: readonly SaveRow[]): ParamSelection[] {
  return rows
    .filter((row) => row.exposed)
    .map(({ selection, restrict, widget }) => {
      const out: ParamSelection = { ...selection };
      for (const key of ['min', 'max', 'step'] as const) {
        if (out[key] === undefined || !Number.isFinite(out[key])) delete out[key];
      }
      if (restrict && widget.options) out.options = [...widget.options];
      return out;
    });
}
