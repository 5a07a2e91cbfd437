import type { Value } from '../ir/types.js';

/**
 * What the keypoint graphs are built from: the resolved settings of the model (the
 * same object the heatmap artifact's metadata records), mapped by the pipeline.
 */

/** 'keypoints': image + boxes in; 'crop-keypoints': normalised crops + center/scale in. */
export type KeypointGraphKind = 'keypoints' | 'crop-keypoints';

export type KeypointDecodeMethod = 'default' | 'dark' | 'megvii';

export interface KeypointGraphSettings {
  /** network input [height, width] */
  readonly inputSize: readonly [number, number];
  /** RGB mean and std of the normalisation (after scaling to 0..1) */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** MMPose's box padding (1.25) */
  readonly padding: number;
  readonly flipTest: boolean;
  readonly shiftHeatmap: boolean;
  readonly flipPairs: readonly (readonly [number, number])[];
  readonly method: KeypointDecodeMethod;
  /** modulation kernel of 'dark' and 'megvii' (odd) */
  readonly kernel: number;
  /** also output the flip-averaged heatmaps as 'heatmaps' */
  readonly heatmapsOutput: boolean;
}

/** Per-person box as MMPose's center/scale, each [N, 1] float32: `sw = f32(scale[0]·200)` is the crop width in image pixels. */
export interface CropBoxes {
  readonly cx: Value;
  readonly cy: Value;
  readonly sw: Value;
}

/**
 * The affine frame `get_affine_transform` builds from a box (spec §3.1), each [N, 1]
 * float32: its source points are float32, `S1 = (cx, t)` with `t = f32(cy − sw/2)`,
 * `d = f32(cy − t)`, `S2 = (u, t)` with `u = f32(cx − d)`, and `e = f32(cx − u)`. With
 * rotation 0 the matrix it solves maps output column x to `u + x·2e/Wo` and row y to
 * `t + (y − (Ho − Wo)/2)·2d/Wo`: e and d (not sw/2) are the half-widths, which matters
 * far from the origin, where `cy − sw/2` rounds. `eLo` and `dLo` are the rounding errors
 * of e and d (`e + eLo = cx − u`, `d + dLo = cy − t` exactly), for the crop's positions.
 */
export interface AffineFrame {
  readonly u: Value;
  readonly t: Value;
  readonly e: Value;
  readonly d: Value;
  readonly eLo: Value;
  readonly dLo: Value;
}
