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

/** The head a family's networks end in, as MMPose names it. */
export interface HeadKind {
  /** MMPose 0.x class (`keypoint_head.*` keys) */
  readonly v0: 'TopDownSimpleHead' | 'TopDownMSMUHead';
  /** its MMPose 1.x successor (`head.*` keys; `arch/layout.ts` tells them apart) */
  readonly v1: 'HeatmapHead' | 'MSPNHead';
  /**
   * true: one predictor per stage and unit, each resized to a fixed out_shape, so the
   * graph has extra outputs under --all-outputs and is not fully convolutional (RSN,
   * MSPN); false: one fully convolutional head with the single output `heatmaps`
   */
  readonly multiStage: boolean;
}

export const SIMPLE_HEAD: HeadKind = { v0: 'TopDownSimpleHead', v1: 'HeatmapHead', multiStage: false };
export const MSMU_HEAD: HeadKind = { v0: 'TopDownMSMUHead', v1: 'MSPNHead', multiStage: true };

/** A field of MMPose's `model.backbone` or `model.head` config whose value the keys determine. */
export interface ConfigField {
  /** dotted path under `model.backbone` / `model.head`, e.g. 'extra.stage2.num_channels' */
  field: string;
  /** the value the keys show */
  keys: unknown;
  /**
   * when the config states None: what None stands for and the keys' value to compare it
   * with (HeatmapHead's `deconv_out_channels=None` is zero deconvolutions)
   */
  none?: { means: unknown; keys: unknown };
}

/** One architecture family: detection from keys, presets, defaults, MMPose names, output naming and the graph builder. */
export interface Family<C = unknown> {
  readonly name: FamilyName;
  /** MMPose's `model.backbone.type` for this family, e.g. 'ResNet' */
  readonly backboneType: string;
  readonly head: HeadKind;
  /** preset name -> config facts that the keys must agree with */
  readonly presets: Readonly<Record<string, Partial<C>>>;
  /** decoding and NMS when no zoo row or config says otherwise */
  readonly defaults: FamilyDefaults;
  /**
   * The names of the outputs `build` marks for `config`, in graph order: `heatmaps` first,
   * then, with `allOutputs`, the family's other stage/unit heatmaps (none for a single head).
   */
  outputNames(config: C, allOutputs: boolean): string[];
  /** The config fields the keys determine (checked against a checkpoint's own config by convert). */
  configFields(config: C): { backbone: ConfigField[]; head: ConfigField[] };
  /** null when the key set is not this family's */
  detect(tensors: TensorSet): Detection<C> | null;
  /** builds the NCHW graph: input `input` [N,3,H,W] -> output `heatmaps` [N,K,h,w] */
  build(tensors: TensorSet, config: C, options: BuildOptions): BuildResult;
}
