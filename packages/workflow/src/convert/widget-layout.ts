/**
 * Which widgets the ComfyUI frontend (v1.4.x) creates for a node class, in order — `widgets_values` is a plain
 * array indexed by that order, so mapping it back to input names means rebuilding the same list from object_info.
 */
import {
  inputSection,
  parseInputSpec,
  widgetDefault,
  type InputSpec,
  type NodeClassInfo,
} from '../object-info.js';

export type WidgetKind =
  | 'INT'
  | 'FLOAT'
  | 'STRING'
  | 'BOOLEAN'
  | 'COMBO'
  /** `control_after_generate` after seeds and some combos; never sent. */
  | 'control'
  /** `control_filter_list` after combos with a control; never sent. */
  | 'filter'
  /** LoadImage's upload button: sent as `upload: "image"`, as the frontend does. */
  | 'upload'
  /** A UI-only widget whose value is never sent (audio player, audio upload button). */
  | 'ui';

export interface WidgetSlot {
  name: string;
  kind: WidgetKind;
  /** false for widgets the frontend marks `options.serialize === false`. */
  serialize: boolean;
  /** The input spec of value widgets (INT…COMBO); null for the extra ones. */
  spec: InputSpec | null;
  defaultValue: unknown;
  dynamicPrompts: boolean;
}

export interface SocketSlot {
  name: string;
  type: string;
}

export type WidgetLayout =
  { ok: true; widgets: WidgetSlot[]; sockets: SocketSlot[] } | { ok: false; reason: string };

/** Frontend extensions give these types widgets this converter does not model. */
const unsupportedWidgetTypes = new Set(['WEBCAM', 'LOAD_3D', 'LOAD_3D_ANIMATION', 'PREVIEW_3D', 'MARKDOWN']);
const audioWidgetClasses = new Set(['LoadAudio', 'SaveAudio', 'PreviewAudio']);
/** The frontend picks its seed widget (value + control) by these input names, whatever the options say. */
const seedInputNames = new Set(['seed', 'noise_seed']);

/** The inputs in the frontend's iteration order, including the inputs its core extensions add. */
function frontendInputs(classType: string, def: NodeClassInfo): [string, unknown][] {
  const required = { ...inputSection(def, 'required') };
  // Comfy.AudioWidget adds a player, then Comfy.UploadAudio / Comfy.UploadImage add an upload button.
  if (audioWidgetClasses.has(classType)) required.audioUI = ['AUDIO_UI'];
  const audio = parseInputSpec(required.audio);
  if (audio?.options.audio_upload === true) required.upload = ['AUDIOUPLOAD'];
  const image = parseInputSpec(required.image);
  if (image?.options.image_upload === true) required.upload = ['IMAGEUPLOAD'];
  return Object.entries({ ...required, ...inputSection(def, 'optional') });
}

function valueWidget(name: string, kind: WidgetKind, spec: InputSpec): WidgetSlot {
  return {
    name,
    kind,
    serialize: true,
    spec,
    defaultValue: widgetDefault(spec),
    dynamicPrompts:
      kind === 'STRING' && spec.options.dynamicPrompts !== undefined && !!spec.options.dynamicPrompts,
  };
}

function extraWidget(name: string, kind: WidgetKind, serialize: boolean, defaultValue: unknown): WidgetSlot {
  return { name, kind, serialize, spec: null, defaultValue, dynamicPrompts: false };
}

/** Name of a control widget: an explicit string option wins, then `control_prefix`. */
function controlName(spec: InputSpec, defaultName: string, explicit?: string): string {
  if (explicit) return explicit;
  const option = spec.options[defaultName];
  if (typeof option === 'string') return option;
  const prefix = spec.options.control_prefix;
  return typeof prefix === 'string' && prefix ? `${prefix} ${defaultName}` : defaultName;
}

export function widgetLayout(classType: string, def: NodeClassInfo): WidgetLayout {
  const widgets: WidgetSlot[] = [];
  const sockets: SocketSlot[] = [];
  for (const [name, raw] of frontendInputs(classType, def)) {
    if (Array.isArray(raw) && typeof raw[0] === 'string') {
      const special = raw[0];
      if (special === 'IMAGEUPLOAD') {
        widgets.push(extraWidget(name, 'upload', true, 'image'));
        continue;
      }
      if (special === 'AUDIOUPLOAD' || special === 'AUDIO_UI') {
        widgets.push(extraWidget(name, 'ui', false, undefined));
        continue;
      }
      if (unsupportedWidgetTypes.has(special)) {
        return {
          ok: false,
          reason: `input "${name}" uses the ${special} widget, which this converter does not support`,
        };
      }
    }
    const spec = parseInputSpec(raw);
    if (!spec) return { ok: false, reason: `object_info has an unreadable spec for input "${name}"` };
    switch (spec.type) {
      case 'INT': {
        widgets.push(valueWidget(name, 'INT', spec));
        const control = spec.options.control_after_generate;
        if (seedInputNames.has(name) || control) {
          const explicit = typeof control === 'string' ? control : undefined;
          widgets.push(
            extraWidget(controlName(spec, 'control_after_generate', explicit), 'control', false, 'randomize'),
          );
        }
        break;
      }
      case 'COMBO':
        widgets.push(valueWidget(name, 'COMBO', spec));
        if (spec.options.control_after_generate) {
          widgets.push(
            extraWidget(controlName(spec, 'control_after_generate'), 'control', false, 'randomize'),
          );
          widgets.push(extraWidget(controlName(spec, 'control_filter_list'), 'filter', false, ''));
        }
        break;
      case 'FLOAT':
      case 'STRING':
      case 'BOOLEAN':
        widgets.push(valueWidget(name, spec.type, spec));
        break;
      default:
        sockets.push({ name, type: spec.type });
    }
  }
  return { ok: true, widgets, sockets };
}
