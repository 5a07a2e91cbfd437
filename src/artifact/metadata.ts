/**
 * The model metadata: the contract both artifacts carry (ONNX metadata_props, TF.js
 * userDefinedMetadata) and report.json repeats. This module owns its type, its schema
 * check and its two serialised forms; the pipeline builds it, the emitters write the
 * serialised form they are given (they do not import it), and the loaders read it back.
 */
import type { FamilyName } from '../arch/family.js';
import { PosePortError } from '../core/errors.js';
import { assertJson, type JsonSchema } from '../core/json-schema.js';
import schema from '../../schemas/model-metadata.schema.json' with { type: 'json' };

/** The model metadata, as schemas/model-metadata.schema.json describes it. */
export interface ModelMetadata {
  poseport_version: string;
  source: { file: string; sha256: string };
  family: FamilyName;
  arch: string | null;
  config: Record<string, unknown>;
  /** a built-in keypoint set, or 'custom' (names, pairs, skeleton and sigmas from the checkpoint's config) */
  dataset: 'coco' | 'coco_wholebody' | 'mpii' | 'custom';
  num_keypoints: number;
  /** OKS sigma per keypoint, when known */
  sigmas?: number[];
  /** setting name -> where it came from (flag, zoo row, checkpoint config field, family default) */
  sources?: Record<string, { from: 'flag' | 'zoo' | 'config' | 'default'; detail: string }>;
  keypoint_names: string[];
  flip_pairs: [number, number][];
  skeleton: [number, number][];
  input: {
    name: 'input';
    layout: 'NCHW' | 'NHWC';
    size_hw: [number, number];
    mean: [number, number, number];
    std: [number, number, number];
    color: 'RGB';
    range: '0..1 before normalisation';
  };
  heatmap: { name: 'heatmaps'; size_hw: [number, number] };
  decode: {
    method: 'default' | 'unbiased' | 'megvii';
    flip_test: boolean;
    shift_heatmap: boolean;
    modulate_kernel?: number;
    use_udp?: boolean;
    target_type?: 'GaussianHeatmap' | 'CombinedTarget';
    valid_radius_factor?: number;
  };
  /** absent: 'heatmaps' (artifacts written before keypoint graphs existed) */
  graph?: { kind: 'heatmaps' | 'keypoints' | 'crop-keypoints'; inputs: string[]; outputs: string[] };
  zoo?: { name: string; metrics: Record<string, number> };
}

export const MODEL_METADATA_SCHEMA = schema as JsonSchema;

/** The schema of the flat string keys written beside 'pose_port'. */
export const FLAT_PROPS_SCHEMA: JsonSchema = {
  ...(schema.$defs.flat_props as object),
  $defs: schema.$defs,
};

/** Throws EMIT_FORMAT naming the first field that breaks the schema. */
export function checkModelMetadata(meta: unknown): asserts meta is ModelMetadata {
  assertJson(MODEL_METADATA_SCHEMA, meta, { code: 'EMIT_FORMAT', what: 'model metadata' });
  const m = meta as ModelMetadata;
  // facts the schema cannot relate: lengths and indices against num_keypoints
  const k = m.num_keypoints;
  const bad = (msg: string, key: string): never => {
    throw new PosePortError('EMIT_FORMAT', `model metadata: ${key}: ${msg}`, { key });
  };
  if (m.keypoint_names.length !== k) bad(`${m.keypoint_names.length} names for num_keypoints ${k}`, '$.keypoint_names');
  const [ih, iw] = m.input.size_hw;
  const [hh, hw] = m.heatmap.size_hw;
  if (hh > ih || hw > iw) bad(`the heatmap ${hh}x${hw} is larger than the input ${ih}x${iw}`, '$.heatmap.size_hw');
  if (m.sigmas && m.sigmas.length !== k) bad(`${m.sigmas.length} sigmas for num_keypoints ${k}`, '$.sigmas');
  for (const [name, pairs] of [['flip_pairs', m.flip_pairs], ['skeleton', m.skeleton]] as const)
    pairs.forEach(([a, b], i) => {
      if (a >= k || b >= k || a === b) bad(`[${a}, ${b}] is not a pair of distinct indices below ${k}`, `$.${name}[${i}]`);
    });
}

/**
 * The ONNX metadata_props for `meta` (checked first): the whole object as JSON under
 * 'pose_port', and flat string keys a human or a tool can read without parsing it.
 */
export function onnxMetadataProps(meta: ModelMetadata): Record<string, string> {
  checkModelMetadata(meta);
  const hw = (s: [number, number]) => `${s[0]}x${s[1]}`;
  const props: Record<string, string> = {
    pose_port: JSON.stringify(meta),
    'pose_port.version': meta.poseport_version,
    dataset: meta.dataset,
    num_keypoints: String(meta.num_keypoints),
    input_size: hw(meta.input.size_hw),
    heatmap_size: hw(meta.heatmap.size_hw),
    decode: meta.decode.method,
    source_sha256: meta.source.sha256,
  };
  if (meta.zoo) props.zoo = meta.zoo.name;
  if (meta.graph) props.graph = meta.graph.kind;
  assertJson(FLAT_PROPS_SCHEMA, props, { code: 'EMIT_FORMAT', what: 'flat model metadata' });
  return props;
}

/**
 * The TF.js userDefinedMetadata for `meta`: the same facts, with the NHWC input the TF.js
 * heatmap graph takes. A keypoint graph keeps its declared inputs in both formats (the
 * I/O contract, docs/keypoint-graphs.md), so its metadata is the ONNX one unchanged.
 */
export function tfjsUserMetadata(meta: ModelMetadata): { pose_port: ModelMetadata } {
  if ((meta.graph?.kind ?? 'heatmaps') !== 'heatmaps') return { pose_port: meta };
  return { pose_port: { ...meta, input: { ...meta.input, layout: 'NHWC' } } };
}
