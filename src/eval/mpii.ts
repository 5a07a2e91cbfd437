/**
 * MPII PCKh as MMPose v0.12's `TopDownMpiiDataset.evaluate` computes it (spec §8):
 * predictions deduplicated by bbox_id, +1 to MATLAB coordinates, head size = 0.6 of the
 * head-box diagonal, PCKh@0.5 per joint, and the visibility-weighted means over the 14
 * joints other than pelvis and thorax. "PCKh@0.1" is taken at the threshold
 * `arange(0, 0.51, 0.01)[11] = 0.11` from a float32 table, as MMPose reports it.
 */
import { PosePortError } from '../core/errors.js';
import { pairwiseSum } from './numpy-compat.js';

const f32 = Math.fround;

/** The fields of `mpii_gt_val.mat` that PCKh reads. */
export interface MpiiGt {
  /** joint names in index order (rank, rkne, ..., lwri) */
  dataset_joints: readonly string[];
  /** [16][N], 1 = missing */
  jnt_missing: readonly (readonly number[])[];
  /** [16][2][N], 1-based */
  pos_gt_src: readonly (readonly (readonly number[])[])[];
  /** [2][2][N]: [corner][x|y][person] */
  headboxes_src: readonly (readonly (readonly number[])[])[];
}

/** One person's prediction: [16*3] or [16*2] (x, y[, score]) in MMPose's 0-based pixels. */
export interface MpiiPrediction {
  bboxId: number;
  keypoints: ArrayLike<number>;
  /** values per keypoint in `keypoints` (3 with scores, 2 without); default 3 */
  stride?: number;
}

export interface MpiiPckh {
  Head: number;
  Shoulder: number;
  Elbow: number;
  Wrist: number;
  Hip: number;
  Knee: number;
  Ankle: number;
  PCKh: number;
  'PCKh@0.1': number;
  /** PCKh@0.5 per joint (NaN where a joint is never visible) */
  perJoint: number[];
}

const SC_BIAS = 0.6;

function jointIndex(names: readonly string[], name: string): number {
  const i = names.indexOf(name);
  if (i < 0) throw new PosePortError('ANNOTATION_FORMAT', `MPII ground truth has no joint named '${name}' in dataset_joints`, { key: 'dataset_joints' });
  return i;
}

/** MPII PCKh of `predictions` (any order; duplicates of a bbox_id after the first are dropped). */
export function mpiiPckh(predictions: readonly MpiiPrediction[], gt: MpiiGt): MpiiPckh {
  const J = gt.jnt_missing.length;
  const sorted = [...predictions].sort((a, b) => a.bboxId - b.bboxId);
  const preds = sorted.filter((p, i) => i === 0 || p.bboxId !== sorted[i - 1].bboxId);
  const N = preds.length;
  if (J !== 16 || gt.pos_gt_src.length !== J) throw new PosePortError('ANNOTATION_FORMAT', `MPII ground truth must hold 16 joints, got ${J}`);
  for (let j = 0; j < J; j++) {
    if (gt.jnt_missing[j].length !== N || gt.pos_gt_src[j][0].length !== N || gt.pos_gt_src[j][1].length !== N) {
      throw new PosePortError('ANNOTATION_FORMAT', `MPII ground truth holds ${gt.jnt_missing[j].length} persons for joint ${j}, the predictions ${N} (after removing duplicate bbox_ids)`);
    }
  }
  const hb = gt.headboxes_src;
  const headsize = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const dx = hb[1][0][n] - hb[0][0][n];
    const dy = hb[1][1][n] - hb[0][1][n];
    headsize[n] = Math.sqrt(dx * dx + dy * dy) * SC_BIAS;
  }
  // scaled error per joint and person, and the visible counts
  const scaled: Float64Array[] = [];
  const visible: Uint8Array[] = [];
  const count = new Float64Array(J);
  for (let j = 0; j < J; j++) {
    const s = new Float64Array(N);
    const v = new Uint8Array(N);
    for (let n = 0; n < N; n++) {
      const p = preds[n];
      const stride = p.stride ?? 3;
      const px = f32(p.keypoints[stride * j] + 1.0);
      const py = f32(p.keypoints[stride * j + 1] + 1.0);
      const ex = px - gt.pos_gt_src[j][0][n];
      const ey = py - gt.pos_gt_src[j][1][n];
      const err = Math.sqrt(ex * ex + ey * ey);
      v[n] = 1 - gt.jnt_missing[j][n] ? 1 : 0;
      s[n] = (err / headsize[n]) * (1 - gt.jnt_missing[j][n]);
      count[j] += 1 - gt.jnt_missing[j][n];
    }
    scaled.push(s);
    visible.push(v);
  }
  const pckAt = (thr: number): Float64Array => {
    const out = new Float64Array(J);
    for (let j = 0; j < J; j++) {
      let hit = 0;
      for (let n = 0; n < N; n++) if (scaled[j][n] <= thr && visible[j][n]) hit += 1;
      out[j] = (100 * hit) / count[j];
    }
    return out;
  };
  const pckh = pckAt(0.5);
  // pckAll[11] (threshold 0 + 11·0.01 = 0.11), stored in float32
  const step = 0.01;
  const pck011 = Float64Array.from(pckAt(0 + 11 * step), f32);
  // weights over the 14 joints other than pelvis (6) and thorax (7)
  const masked = (j: number): boolean => j === 6 || j === 7;
  let total = 0;
  for (let j = 0; j < J; j++) if (!masked(j)) total += count[j];
  const weighted = (vals: Float64Array): number => {
    const terms = new Float64Array(J);
    for (let j = 0; j < J; j++) terms[j] = masked(j) ? 0 : vals[j] * (count[j] / total);
    return pairwiseSum(terms);
  };
  const names = gt.dataset_joints;
  const at = (name: string): number => pckh[jointIndex(names, name)];
  return {
    Head: at('head'),
    Shoulder: 0.5 * (at('lsho') + at('rsho')),
    Elbow: 0.5 * (at('lelb') + at('relb')),
    Wrist: 0.5 * (at('lwri') + at('rwri')),
    Hip: 0.5 * (at('lhip') + at('rhip')),
    Knee: 0.5 * (at('lkne') + at('rkne')),
    Ankle: 0.5 * (at('lank') + at('rank')),
    PCKh: weighted(pckh),
    'PCKh@0.1': weighted(pck011),
    perJoint: Array.from(pckh),
  };
}

/** Flattens MMPose's MPII `outputs` batches (`preds [B][16][3]`, `bbox_ids`) into predictions. */
export function mpiiPredictionsFromBatches(batches: readonly { preds: readonly (readonly (readonly number[])[])[]; bbox_ids: readonly number[] }[]): MpiiPrediction[] {
  const out: MpiiPrediction[] = [];
  for (const b of batches) {
    b.bbox_ids.forEach((id, i) => out.push({ bboxId: id, keypoints: b.preds[i].flat(), stride: b.preds[i][0]?.length ?? 3 }));
  }
  return out;
}
