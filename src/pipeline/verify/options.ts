import { PosePortError } from '../../core/errors.js';

export interface VerifyOptions {
  /** relative L2 bound between outputs of float32 artifacts (default 1e-5) */
  tolerance?: number;
  /** relative L2 bound when the TF.js weights are float16 (default 1e-2) */
  float16Tolerance?: number;
  /** relative L2 bound when the TF.js weights are uint8 (default 0.1) */
  uint8Tolerance?: number;
  /** per-element relative bound between artifact weights and rebuilt ones (default 1e-6; 0 = bit-exact) */
  weightTolerance?: number;
  /** seed of the deterministic input (default 0) */
  seed?: number;
  allowUnknownGlobals?: boolean;
  /** onnxruntime execution providers for the ONNX runs (default cpu; see resolveExecutionProviders) */
  executionProviders?: string[];
  /** also run the dataset evaluation and compare with the metrics the zoo row records */
  evaluate?: VerifyEvaluation;
  onStep?: (step: string) => void;
}

export interface VerifyEvaluation {
  /** annotation file (COCO / COCO-WholeBody keypoints JSON, or MMPose's MPII JSON list) */
  ann: string;
  /** the images it names */
  images: string;
  /** person detections instead of the GT boxes */
  dets?: string;
  /** MPII: mpii_gt_val.mat fields as JSON */
  mpiiGt?: string;
  /** allowed |measured - recorded| per metric, as a fraction (MPII PCKh: tolerance * 100 points); default 0.01 */
  tolerance?: number;
}

export const VERIFY_DEFAULTS = { tolerance: 1e-5, float16Tolerance: 1e-2, uint8Tolerance: 0.1, weightTolerance: 1e-6, seed: 0 } as const;
/** default allowed difference between a measured metric and the zoo's (a fraction: one AP point) */
export const DEFAULT_METRIC_TOLERANCE = 0.01;
const OPTION_KEYS = new Set(['tolerance', 'float16Tolerance', 'uint8Tolerance', 'weightTolerance', 'seed', 'allowUnknownGlobals', 'executionProviders', 'evaluate', 'onStep']);
const EVALUATION_KEYS = new Set(['ann', 'images', 'dets', 'mpiiGt', 'tolerance']);

export type CheckedVerifyOptions = Required<Pick<VerifyOptions, 'tolerance' | 'float16Tolerance' | 'uint8Tolerance' | 'weightTolerance' | 'seed'>>;

/** The numeric options with their defaults; USAGE naming the option for an unknown or ill-typed one. */
export function checkVerifyOptions(o: VerifyOptions): CheckedVerifyOptions {
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) throw new PosePortError('USAGE', `verifyArtifacts: unknown option '${k}'`);
  const num = (k: keyof CheckedVerifyOptions, int = false): number => {
    const v = o[k] ?? VERIFY_DEFAULTS[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (int && !Number.isInteger(v)))
      throw new PosePortError('USAGE', `verifyArtifacts: option '${k}' must be a non-negative ${int ? 'integer' : 'number'}, got ${String(v)}`);
    return v;
  };
  const ep = o.executionProviders;
  if (ep !== undefined && (!Array.isArray(ep) || ep.some((p) => typeof p !== 'string')))
    throw new PosePortError('USAGE', 'verifyArtifacts: option executionProviders must be an array of provider names');
  const ev = o.evaluate;
  if (ev !== undefined) {
    if (ev === null || typeof ev !== 'object') throw new PosePortError('USAGE', 'verifyArtifacts: option evaluate must be an object {ann, images, ...}');
    for (const k of Object.keys(ev)) if (!EVALUATION_KEYS.has(k)) throw new PosePortError('USAGE', `verifyArtifacts: unknown evaluate option '${k}'`);
    if (typeof ev.ann !== 'string' || typeof ev.images !== 'string') throw new PosePortError('USAGE', 'verify: evaluation needs both an annotation file (--ann) and an image directory (--images)');
    const t = ev.tolerance;
    if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0))
      throw new PosePortError('USAGE', `verifyArtifacts: evaluate.tolerance must be a non-negative number, got ${String(t)}`);
  }
  return {
    tolerance: num('tolerance'),
    float16Tolerance: num('float16Tolerance'),
    uint8Tolerance: num('uint8Tolerance'),
    weightTolerance: num('weightTolerance'),
    seed: num('seed', true),
  };
}
