/**
 * The shape of one model-zoo entry (schemas/zoo-entry.schema.json says the same in
 * JSON Schema; test/zoo/registry.test.ts validates src/zoo/registry.json against it).
 */
import type { FamilyName } from '../arch/family.js';

export type ZooDataset = 'coco' | 'coco_wholebody' | 'mpii';

export type ZooPreset =
  | 'res50'
  | 'res101'
  | 'res152'
  | 'hrnet_w32'
  | 'hrnet_w48'
  | 'rsn18'
  | 'rsn50'
  | '2xrsn50'
  | '3xrsn50'
  | 'mspn50'
  | '2xmspn50'
  | '3xmspn50'
  | '4xmspn50';

/**
 * Normalised metric names, as fractions in [0, 1] (the tables' scale):
 * COCO `AP AP50 AP75 AR AR50` (MMPose reports them as `AP`, `AP .5`, `AP .75`, `AR`, `AR .5`);
 * COCO-WholeBody `<part>_AP`, `<part>_AR` for body, foot, face, hand, whole (MMPose's
 * returned `AP`/`AR` are the whole-body ones); MPII `PCKh` (table "Mean") and
 * `PCKh@0.1` (table "Mean@0.1"; MMPose reports both in percent).
 */
export type ZooMetricKey =
  | 'AP'
  | 'AP50'
  | 'AP75'
  | 'AR'
  | 'AR50'
  | `${'body' | 'foot' | 'face' | 'hand' | 'whole'}_${'AP' | 'AR'}`
  | 'PCKh'
  | 'PCKh@0.1';

export interface ZooMetric {
  /** the table's column header, exactly as written (e.g. `AP<sup>50</sup>`, `Mean@0.1`) */
  column: string;
  key: ZooMetricKey;
  value: number;
  /** the table cell, exactly as written (keeps trailing zeros: `0.750`) */
  text: string;
}

/** The test-time config facts of one row, with MMPose's own key names (from the manifest). */
export interface ZooConfig {
  mmpose_tag: string;
  /** config path inside the mmpose repository at `mmpose_tag` */
  path: string;
  /** where the config lived before and how that copy differs (two whole-body DARK rows) */
  note?: string;
  dataset_type: string;
  backbone: Record<string, unknown>;
  /** the keypoint head dict without its training-only `loss_keypoint` */
  head: Record<string, unknown>;
  /** [width, height] */
  image_size: [number, number];
  /** [width, height] */
  heatmap_size: [number, number];
  num_joints: number;
  num_output_channels: number;
  test_cfg: {
    flip_test: boolean;
    post_process: 'default' | 'unbiased' | 'megvii';
    shift_heatmap: boolean;
    modulate_kernel: number;
  };
  /** data_cfg without the sizes and the (identity) channel lists */
  data_cfg: {
    use_gt_bbox: boolean;
    bbox_file: string | null;
    soft_nms?: boolean;
    use_nms?: boolean;
    nms_thr?: number;
    oks_thr?: number;
    vis_thr?: number;
    det_bbox_thr?: number;
  };
  /** mean/std applied to RGB in [0, 1] */
  normalize: { mean: [number, number, number]; std: [number, number, number] };
  flip_pairs: [number, number][];
  /** floating-point elements in the state_dict (BN statistics included) */
  param_count: number;
  /** state_dict entries (num_batches_tracked included) */
  num_entries: number;
}

export interface ZooEntry {
  /** the config name, unique (e.g. `rsn18_coco_256x192`) */
  name: string;
  family: FamilyName;
  preset: ZooPreset;
  dataset: ZooDataset;
  /** network input */
  input: { height: number; width: number };
  /** output heatmap */
  heatmap: { height: number; width: number };
  numJoints: number;
  /** the metric `zoo list` shows: AP, whole_AP or PCKh */
  mainMetric: ZooMetricKey;
  /** every recorded metric column of the row, in table order */
  metrics: ZooMetric[];
  checkpoint: {
    url: string;
    /** last path segment of `url` */
    file: string;
    /** the 8 hex digits before `_<date>.pth`: the first 8 of the file's sha256 */
    sha256Prefix: string;
    /** yyyymmdd from the file name */
    date: string;
    /** the file's exact size, when the registry knows it (a user registry may say): fetch's size cap */
    bytes?: number;
  };
  log: { url: string };
  /** where the row came from */
  table: {
    paper: string;
    section: string;
    benchmark: string;
    /** the Arch cell's text (not unique) */
    arch: string;
    /** the Arch cell's link (the config path as the table gives it) */
    configLink: string;
    /** the Input Size cell (height x width) */
    inputSize: string;
    note?: string;
  };
  config: ZooConfig;
}

export interface ZooRegistry {
  $comment?: string;
  format: 'pose-port-zoo/1';
  entries: ZooEntry[];
}
