/** What convert takes (ConvertOptions) and what it writes as report.json (ConvertReport, schemas/report.schema.json). */
import type { ModelMetadata } from '../artifact/metadata.js';
import type { TENSOR_CHECKSUM_ALGORITHM } from '../core/checksum64.js';
import type { QuantizeDType } from '../emit/tfjs/index.js';
import type { AppliedPass } from '../passes/index.js';
import type { layoutReport } from './checkpoint.js';
import type { GraphKind } from './keypoint-artifact.js';
import type { ResolvedSettings, SettingSource } from './settings.js';

export type ArtifactFormat = 'onnx' | 'tfjs';
export const ARTIFACT_FORMATS: readonly ArtifactFormat[] = ['onnx', 'tfjs'];

export interface ConvertOptions {
  /** output directory (created; replaced files only on success) */
  out: string;
  /** preset name the keys must agree with (e.g. 'rsn50') */
  arch?: string;
  /** treat the checkpoint as this zoo entry: its config, decoding and recorded metrics (keys must agree) */
  zoo?: string;
  formats?: readonly ArtifactFormat[];
  opset?: number;
  /** network input [height, width]; default: the zoo entry's, else the checkpoint config's, else 256x256 for MPII-sized heads, else 256x192 */
  inputSize?: readonly [number, number];
  /** a setting that would fall back to a family default is an error (SETTING_DEFAULTED) instead of a warning */
  strict?: boolean;
  /** RSN/MSPN: export every stage's and unit's heatmaps too */
  allOutputs?: boolean;
  /** the graph the artifacts hold (default 'heatmaps'; see keypoint-artifact.ts) */
  graph?: GraphKind;
  /** keypoint graphs: also output the flip-averaged heatmaps */
  heatmapsOutput?: boolean;
  /** run no optimisation passes (batch norm stays a separate op) */
  noFold?: boolean;
  /** TF.js weight quantization */
  quantize?: QuantizeDType;
  allowUnknownGlobals?: boolean;
  /** progress callback for long steps */
  onStep?: (step: string) => void;
}

export interface ArtifactRecord {
  format: ArtifactFormat;
  /** path relative to the output directory */
  file: string;
  bytes: number;
  sha256: string;
  opset?: number;
  quantize?: QuantizeDType | null;
}

/** report.json (schemas/report.schema.json, kind 'convert'). */
export interface ConvertReport {
  kind: 'convert';
  poseport_version: string;
  source: {
    file: string;
    sha256: string;
    bytes: number;
    format: 'zip' | 'legacy';
    pickle_protocol: number;
    meta: boolean;
    /** which MMPose generation named the keys (pipeline/checkpoint.ts) */
    layout: ReturnType<typeof layoutReport>;
  };
  family: string;
  arch: string | null;
  zoo: string | null;
  config: unknown;
  facts: Record<string, unknown>;
  dataset: ModelMetadata['dataset'];
  num_keypoints: number;
  input_size_hw: [number, number];
  heatmap_size_hw: [number, number];
  /** the MMPose config the checkpoint carries, as read (null: none) */
  checkpoint_config: {
    meta_key: 'config' | 'cfg';
    mmpose: '0.x' | '1.x' | null;
    chars: number;
    refused: string | null;
    not_read: string[];
    notes: string[];
  } | null;
  /** where each setting came from, and where the zoo row and the config disagree */
  settings: { sources: Record<string, SettingSource>; disagreements: ResolvedSettings['disagreements'] };
  keys: { total: number; consumed: number; ignored: string[] };
  parameter_count: number;
  passes: AppliedPass[];
  nodes: { built: number; emitted: number };
  artifacts: ArtifactRecord[];
  /**
   * A checksum of every tensor's little-endian row-major bytes (but num_batches_tracked),
   * in state_dict order, for `verify`: lane64 (src/core/checksum64.ts, 16 hex digits).
   */
  tensor_checksums?: { algorithm: typeof TENSOR_CHECKSUM_ALGORITHM; tensors: Record<string, string> };
  /** what reports of pose-port before lane64 recorded instead: each tensor's sha256 (verify still reads it) */
  tensor_sha256?: Record<string, string>;
  warnings: string[];
  timings_ms: Record<string, number>;
  metadata: ModelMetadata;
}

export interface ConvertResult {
  report: ConvertReport;
  /** absolute paths written */
  files: string[];
}
