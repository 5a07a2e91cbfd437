import type { TensorSet } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';

export type FamilyName = 'resnet' | 'hrnet' | 'rsn' | 'mspn';

/**
 * What the key set and shapes of a state_dict say about its architecture: the
 * family and a config complete enough to build the graph (depth, stages, widths,
 * keypoint count, ...), plus human-readable facts for `inspect`.
 */
export interface Detection<C = unknown> {
  family: FamilyName;
  config: C;
  /** e.g. { stages: 2, units: 4, blocks: [3,4,6,3], widths: [...], keypoints: 17 } */
  facts: Record<string, unknown>;
  /** the preset whose config equals this one, if any (e.g. 'rsn50') */
  preset?: string;
}

export interface BuildOptions {
  /** [height, width] of the network input (from the zoo entry or --input-size) */
  inputSize: readonly [number, number];
  /** export every stage/unit output as well (RSN/MSPN --all-outputs) */
  allOutputs?: boolean;
}

export interface BuildResult {
  graph: Graph;
  /** number of checkpoint tensors consumed */
  consumed: number;
  /** keys deliberately not consumed (num_batches_tracked) */
  ignored: string[];
}

/** The heatmap decoding a family's head defaults to in MMPose (its test_cfg). */
export interface DecodeDefaults {
  method: 'default' | 'unbiased' | 'megvii';
  flip_test: boolean;
  shift_heatmap: boolean;
  modulate_kernel: number;
}

/** What MMPose does with a family when no zoo row or config says otherwise. */
export interface FamilyDefaults {
  decode: DecodeDefaults;
  /** whether the top-down test runs OKS-NMS on its persons (data_cfg.use_nms) */
  useNms: boolean;
}

/** TopDownSimpleHead / TopDownMultiStageHead: default post-processing, flip with shifted heatmaps, OKS-NMS */
export const SIMPLE_HEAD_DEFAULTS: FamilyDefaults = {
  decode: { method: 'default', flip_test: true, shift_heatmap: true, modulate_kernel: 11 },
  useNms: true,
};

/** TopDownMSMUHead (RSN, MSPN): megvii post-processing with kernel 5, no heatmap shift, no NMS */
export const MSMU_HEAD_DEFAULTS: FamilyDefaults = {
  decode: { method: 'megvii', flip_test: true, shift_heatmap: false, modulate_kernel: 5 },
  useNms: false,
};

/** One architecture family: detection from keys, presets, defaults, and the graph builder. */
export interface Family<C = unknown> {
  readonly name: FamilyName;
  /** preset name -> config facts that the keys must agree with */
  readonly presets: Readonly<Record<string, Partial<C>>>;
  /** decoding and NMS when no zoo row or config says otherwise */
  readonly defaults: FamilyDefaults;
  /** null when the key set is not this family's */
  detect(tensors: TensorSet): Detection<C> | null;
  /** builds the NCHW graph: input `input` [N,3,H,W] -> output `heatmaps` [N,K,h,w] */
  build(tensors: TensorSet, config: C, options: BuildOptions): BuildResult;
}
