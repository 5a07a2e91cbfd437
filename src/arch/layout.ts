/**
 * Which MMPose generation named a state_dict's keys, and the names the family builders
 * read (MMPose 0.x's, `keypoint_head.*`). MMPose 1.x (mmengine) renamed the head and
 * split one of its modules; the backbones kept their names:
 *
 *   0.x (TopDownSimpleHead / TopDownMSMUHead)    1.x (HeatmapHead / MSPNHead)
 *   keypoint_head.deconv_layers.<i>.*            head.deconv_layers.<i>.*
 *   keypoint_head.final_layer.<i>.*, i < 3n      head.conv_layers.<i>.*   (n extra conv layers)
 *   keypoint_head.final_layer.<3n>.*             head.final_layer.*       (n > 0)
 *   keypoint_head.final_layer.*                  head.final_layer.*       (n = 0)
 *   keypoint_head.predict_layers.<k>.*           head.predict_layers.<k>.*
 *   backbone.*                                   backbone.*
 *   -                                            data_preprocessor.{mean,std} (set aside)
 *
 * (MMPose 1.x's own conversion of 0.x files: `BasePoseEstimator._load_state_dict_pre_hook`
 * renames keypoint_head -> head and drops data_preprocessor.mean/std, which older
 * mmengine kept persistent; `HeatmapHead._load_state_dict_pre_hook` splits final_layer.)
 * Detection looks at the keys only, so it holds for any depth, stage count or keypoint
 * count; keys that fit neither layout are refused naming the key.
 */
import { PosePortError } from '../core/errors.js';
import { renameTensors, type NamedSet, type TensorEntry } from '../core/tensor.js';

export type KeyLayoutName = 'mmpose-0.x' | 'mmpose-1.x';

export interface KeyLayout {
  readonly name: KeyLayoutName;
  /** the 1.x head class whose names were read; null for 0.x */
  readonly head: 'HeatmapHead' | 'MSPNHead' | null;
  /** HeatmapHead's intermediate conv layers (`head.conv_layers`), 0 otherwise */
  readonly convLayers: number;
  /** stored keys that are not network weights and are not read (1.x data_preprocessor buffers) */
  readonly setAside: readonly string[];
  /** stored key -> the name the builders read; null for a key set aside */
  canonical(stored: string): string | null;
  /** a builder's name -> the key as this layout stores it (also for names that are missing) */
  stored(canonical: string): string;
  /** `text` with every builder name (`keypoint_head....`) replaced by its stored key, for messages */
  storedText(text: string): string;
}

const OLD = 'keypoint_head.';
const NEW = 'head.';
const SET_ASIDE = new Set(['data_preprocessor.mean', 'data_preprocessor.std']);
/** what HeatmapHead names: any of these under `head.` makes the file a HeatmapHead one */
const HEATMAP_HEAD_MODULES = ['deconv_layers', 'conv_layers', 'final_layer'];

const IDENTITY: KeyLayout = Object.freeze({
  name: 'mmpose-0.x' as const,
  head: null,
  convLayers: 0,
  setAside: Object.freeze([]),
  canonical: (s: string) => s,
  stored: (c: string) => c,
  storedText: (t: string) => t,
});

function unexpected(key: string, why: string): PosePortError {
  return new PosePortError('KEY_UNEXPECTED', `'${key}' ${why}`, { key });
}

/**
 * The layout of `names` (stored state_dict keys, a leading `module.` already stripped).
 * Throws KEY_UNEXPECTED naming the key when 0.x and 1.x names are mixed, when both
 * HeatmapHead and MSPNHead names appear, or when a 1.x head key has a shape neither
 * head writes.
 */
export function detectKeyLayout(names: readonly string[]): KeyLayout {
  const firstNew = names.find((n) => n.startsWith(NEW));
  if (firstNew === undefined) return IDENTITY;
  const firstOld = names.find((n) => n.startsWith(OLD));
  if (firstOld !== undefined)
    throw unexpected(firstNew, `is an MMPose 1.x head key, but '${firstOld}' is an MMPose 0.x one: a state_dict has one or the other`);

  const headKeys = names.filter((n) => n.startsWith(NEW));
  const module = (n: string) => n.slice(NEW.length).split('.')[0];
  const heatmapKey = headKeys.find((n) => HEATMAP_HEAD_MODULES.includes(module(n)));
  const mspnKey = headKeys.find((n) => module(n) === 'predict_layers');
  if (heatmapKey !== undefined && mspnKey !== undefined)
    throw unexpected(mspnKey, `is an MSPNHead key, but '${heatmapKey}' is a HeatmapHead one: a model has one head`);

  let convLayers = 0;
  for (const n of headKeys) {
    const parts = n.split('.');
    if (parts[1] === 'conv_layers') {
      if (parts.length !== 4 || !/^\d+$/.test(parts[2]))
        throw unexpected(n, "does not fit HeatmapHead's conv_layers (head.conv_layers.<i>.<weight|bias|running_*>)");
      convLayers = Math.max(convLayers, Math.floor(Number(parts[2]) / 3) + 1);
    } else if (parts[1] === 'final_layer' && parts.length !== 3) {
      throw unexpected(n, "does not fit HeatmapHead's final_layer, one Conv2d (head.final_layer.weight and .bias); intermediate convs are head.conv_layers.<i>");
    }
  }
  if (convLayers > 0 && !headKeys.some((n) => n.startsWith(`${NEW}final_layer.`)))
    throw new PosePortError(
      'KEY_MISSING',
      "missing 'head.final_layer.weight': a HeatmapHead with conv_layers and no final layer (final_layer=None) has no MMPose 0.x counterpart, and pose-port does not build it",
      { key: 'head.final_layer.weight' },
    );
  const setAside = names.filter((n) => SET_ASIDE.has(n));

  const canonical = (s: string): string | null => {
    if (SET_ASIDE.has(s)) return null;
    if (!s.startsWith(NEW)) return s;
    const rest = s.slice(NEW.length);
    if (rest.startsWith('conv_layers.')) return `${OLD}final_layer.${rest.slice('conv_layers.'.length)}`;
    if (rest.startsWith('final_layer.') && convLayers > 0) return `${OLD}final_layer.${3 * convLayers}.${rest.slice('final_layer.'.length)}`;
    return OLD + rest;
  };
  const stored = (c: string): string => {
    if (!c.startsWith(OLD)) return c;
    const rest = c.slice(OLD.length);
    const m = /^final_layer\.(\d+)\.(.+)$/.exec(rest);
    if (m && convLayers > 0) {
      const i = Number(m[1]);
      if (i < 3 * convLayers) return `${NEW}conv_layers.${i}.${m[2]}`;
      if (i === 3 * convLayers) return `${NEW}final_layer.${m[2]}`;
    }
    return NEW + rest;
  };
  return Object.freeze({
    name: 'mmpose-1.x' as const,
    head: mspnKey !== undefined ? ('MSPNHead' as const) : heatmapKey !== undefined ? ('HeatmapHead' as const) : null,
    convLayers,
    setAside: Object.freeze(setAside),
    canonical,
    stored,
    storedText: (t: string) => t.replace(/keypoint_head(?:\.[A-Za-z0-9_]+)+/g, stored),
  });
}

/**
 * The layout of `set`'s keys and the set as the builders read it (renamed, the keys set
 * aside left out; the entries themselves, so a checkpoint's tensors keep their file
 * offsets and stored names).
 */
export function applyKeyLayout<E extends TensorEntry>(set: { readonly entries: readonly E[] }): { layout: KeyLayout; tensors: NamedSet<E> } {
  const layout = detectKeyLayout(set.entries.map((e) => e.name));
  return { layout, tensors: renameTensors(set, layout.canonical) };
}

/**
 * `err` in the terms of the file: every builder name in its message, key and listed
 * keys replaced by the key as `layout` stores it (a 1.x file is told about
 * `head.final_layer.weight`, not `keypoint_head.final_layer.weight`). Other values
 * pass through.
 */
export function inStoredNames(err: unknown, layout: KeyLayout): unknown {
  if (!(err instanceof PosePortError) || layout.name === 'mmpose-0.x') return err;
  const details = err.details ? mapStrings(err.details, layout) : undefined;
  // the message already ends with "(file, byte N)"; rebuild without appending it again
  const e = new PosePortError(err.code, layout.storedText(err.message), {
    key: err.key === undefined ? undefined : layout.storedText(err.key),
    details: details as Record<string, unknown> | undefined,
  });
  Object.defineProperties(e, {
    file: { value: err.file, enumerable: true },
    offset: { value: err.offset, enumerable: true },
  });
  e.stack = err.stack;
  return e;
}

function mapStrings(v: unknown, layout: KeyLayout): unknown {
  if (typeof v === 'string') return layout.storedText(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, layout));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, layout)]));
  return v;
}
