/**
 * The checkpoint's own MMPose config: found in `meta` (mmcv's `meta['config']`, mmengine's
 * `meta['cfg']` with `meta['dataset_meta']` beside it), read without evaluating it
 * (parse.ts) and turned into the settings conversion needs (extract.ts).
 */
import { PosePortError } from '../core/errors.js';
import { extract0x, extract1x } from './extract.js';
import { keypointsFromDatasetMeta } from './keypoints.js';
import { parseConfigText, type ConfigIssue } from './parse.js';
import { builtinDataset, type ConfigSettings } from './settings.js';
import { CONFIG_LIMITS, PyDict, toJson } from './value.js';

export { parseConfigText, type ConfigIssue, type ParsedConfig } from './parse.js';
export { CONFIG_LIMITS, PyDict, Unreadable, toJson, type PyValue } from './value.js';
export type { ConfigSettings, KeypointSet, Sourced, DecodeMethod, BuiltinDataset } from './settings.js';

export interface CheckpointConfig {
  /** the meta key the text was under */
  metaKey: 'config' | 'cfg';
  /** characters of text */
  chars: number;
  /** why the whole text was not read (too large, not text); settings is then null */
  refused: string | null;
  /** places in the text that were not read (line, column, what) */
  issues: ConfigIssue[];
  moreIssues: number;
  settings: ConfigSettings | null;
}

function metaField(meta: unknown, key: string): unknown {
  if (meta instanceof Map) return meta.get(key);
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta) && !ArrayBuffer.isView(meta) && Object.hasOwn(meta, key))
    return (meta as Record<string, unknown>)[key];
  return undefined;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (-1: none). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let j = 1; j <= n; j++) if (i + j >= b.length || (b[i + j] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/** Text from a str, or from UTF-8 bytes (invalid sequences replaced, and said so). */
function decodeText(v: unknown, notes: string[], where: string): string | null {
  if (typeof v === 'string') return v;
  if (!(v instanceof Uint8Array)) return null;
  if (v.length > CONFIG_LIMITS.maxChars * 4) return '\u0000'.repeat(CONFIG_LIMITS.maxChars + 1); // refused below by size
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(v);
  } catch {
    const bad = firstInvalidUtf8(v);
    notes.push(`${where}: not valid UTF-8 (first bad byte at offset ${bad}); invalid bytes read as U+FFFD`);
    return new TextDecoder('utf-8').decode(v);
  }
}

/**
 * Reads the config of a checkpoint's `meta` (plain values as the .pth reader returns them).
 * Null when meta carries no config text. Throws CONFIG_UNSUPPORTED when the config asks
 * for something pose-port does not implement (UDP, other codecs, BGR input).
 */
export function readCheckpointConfig(meta: unknown): CheckpointConfig | null {
  const cfg = metaField(meta, 'cfg');
  const config = metaField(meta, 'config');
  const metaKey = cfg !== undefined && (typeof cfg === 'string' || cfg instanceof Uint8Array) ? 'cfg' : 'config';
  const raw = metaKey === 'cfg' ? cfg : config;
  if (raw === undefined) return null;
  const notes: string[] = [];
  const text = decodeText(raw, notes, `meta['${metaKey}']`);
  if (text === null) return { metaKey, chars: 0, refused: `meta['${metaKey}'] is not text`, issues: [], moreIssues: 0, settings: null };
  const parsed = parseConfigText(text);
  const base = { metaKey, chars: text.length, issues: parsed.issues, moreIssues: parsed.moreIssues } as const;
  if (parsed.refused) return { ...base, refused: parsed.refused, settings: null };
  const vars = new PyDict();
  for (const [k, b] of parsed.vars) vars.entries.set(k, b.value);
  // the layout decides the reader: 1.x has model.head (and a codec); 0.x model.keypoint_head
  const model = vars.get('model');
  const is1x = model instanceof PyDict ? model.has('head') || model.has('data_preprocessor') : metaKey === 'cfg';
  let settings: ConfigSettings;
  try {
    settings = is1x ? extract1x(vars, notes) : extract0x(vars, notes);
  } catch (e) {
    throw e instanceof PosePortError ? new PosePortError(e.code, `${e.message} (meta['${metaKey}'])`, { key: e.key }) : e;
  }
  settings.metaKey = metaKey;
  const dm = metaField(meta, 'dataset_meta');
  if (dm !== undefined) {
    const kp = keypointsFromDatasetMeta(dm, notes);
    if (kp) {
      settings.keypoints = { value: kp, field: "meta['dataset_meta']" };
      const b = kp.datasetName ? builtinDataset(kp.datasetName) : undefined;
      if (b && !settings.dataset) settings.dataset = { value: b, field: "meta['dataset_meta'].dataset_name" };
    }
  }
  return { ...base, refused: null, settings };
}

/** One stated fact for reports: its value and the config field it came from. */
export interface StatedFact {
  value: unknown;
  field: string;
}

/** The config as `inspect` shows it: every fact read with its field, what was not read, and why a setting is refused. */
export interface ConfigSummary {
  meta_key: 'config' | 'cfg';
  mmpose: '0.x' | '1.x' | null;
  chars: number;
  refused: string | null;
  /** a setting pose-port does not implement (CONFIG_UNSUPPORTED's message), when the config asks for one */
  unsupported: string | null;
  facts: Record<string, StatedFact>;
  not_read: string[];
  notes: string[];
}

/** What `meta` says as a ConfigSummary, never throwing for what the config asks (null: no config text). */
export function summarizeCheckpointConfig(meta: unknown): ConfigSummary | null {
  let cfg: CheckpointConfig | null;
  try {
    cfg = readCheckpointConfig(meta);
  } catch (e) {
    if (!(e instanceof PosePortError) || e.code !== 'CONFIG_UNSUPPORTED') throw e;
    const key = metaField(meta, 'cfg') !== undefined ? 'cfg' : 'config';
    return { meta_key: key, mmpose: null, chars: 0, refused: null, unsupported: e.message, facts: {}, not_read: [], notes: [] };
  }
  if (!cfg) return null;
  const s = cfg.settings;
  const facts: Record<string, StatedFact> = {};
  const put = (name: string, f: { value: unknown; field: string } | undefined) => {
    if (f) facts[name] = { value: f.value, field: f.field };
  };
  if (s) {
    put('input_size_hw', s.inputSizeHW);
    put('heatmap_size_hw', s.heatmapSizeHW);
    put('decode.method', s.method);
    put('decode.flip_test', s.flipTest);
    put('decode.shift_heatmap', s.shiftHeatmap);
    put('decode.modulate_kernel', s.modulateKernel);
    put('normalize', s.normalize);
    put('dataset_type', s.datasetType);
    put('dataset', s.dataset);
    put('num_keypoints', s.numKeypoints);
    if (s.keypoints) {
      const k = s.keypoints.value;
      facts.keypoints = {
        value: { dataset_name: k.datasetName, names: k.names, flip_pairs: k.flipPairs, skeleton: k.skeleton, sigmas: k.sigmas },
        field: s.keypoints.field,
      };
    }
    if (s.backbone) facts.backbone = { value: toJson(s.backbone.value), field: s.backbone.field };
    if (s.head) facts.head = { value: toJson(s.head.value), field: s.head.field };
  }
  return {
    meta_key: cfg.metaKey,
    mmpose: s?.mmpose ?? null,
    chars: cfg.chars,
    refused: cfg.refused,
    unsupported: null,
    facts,
    not_read: [...cfg.issues.map((i) => `line ${i.line}, column ${i.col}: ${i.message}`), ...(cfg.moreIssues ? [`... and ${cfg.moreIssues} more`] : [])],
    notes: s?.notes ?? [],
  };
}
