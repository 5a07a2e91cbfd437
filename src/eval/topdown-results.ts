/**
 * MMPose v0.12's `TopDownCocoDataset.evaluate` / `TopDownCocoWholeBodyDataset.evaluate`
 * up to `result_keypoints.json` (spec §7.1-7.4): group the per-box outputs by image,
 * drop duplicate bbox_ids, rescore with vis_thr, per-image OKS-NMS / soft-OKS-NMS or
 * none, and write the results entries in MMPose's order.
 */
import { PosePortError } from '../core/errors.js';
import type { CocoGtFile, CocoKeypointResult } from './cocoeval.js';
import { WHOLEBODY_PARTS, WHOLEBODY_PART_KEYS, type KeypointRange, type WholeBodyPart } from './datasets.js';
import { oksNms, softOksNms, type NmsPerson } from './nms.js';

const f32 = Math.fround;

/** One person box as MMPose's head returns it (one row of a batch). */
export interface TopDownOutputRow {
  imageId: number;
  bboxId: number;
  /** [K*3] (x, y, score), float32 */
  preds: ArrayLike<number>;
  /** [6] = [cx, cy, sx, sy, area, bbox_score], float32 */
  box: ArrayLike<number>;
}

export interface TopDownEvalConfig {
  /** number of keypoints K */
  numJoints: number;
  /** OKS sigmas for NMS (all K) */
  sigmas: readonly number[];
  /** data_cfg.use_nms (default true; false for MSPN/RSN) */
  useNms?: boolean;
  /** data_cfg.soft_nms (default false) */
  softNms?: boolean;
  /** data_cfg.oks_thr (default 0.9) */
  oksThr?: number;
  /** data_cfg.vis_thr (default 0.2) */
  visThr?: number;
  /** split the keypoints into COCO-WholeBody's part fields */
  wholebodyParts?: Readonly<Record<WholeBodyPart, KeypointRange>>;
  /** category_id written (default 1) */
  categoryId?: number;
}

/** Maps GT image file names to image ids (MMPose's `name2id`). */
export function imageIdsByFileName(gt: CocoGtFile): Map<string, number> {
  const m = new Map<string, number>();
  for (const img of gt.images) if (typeof img.file_name === 'string') m.set(img.file_name, img.id);
  return m;
}

/**
 * Rescoring (spec §7.2): mean of the keypoint scores strictly above `visThr`, summed in
 * float64 in keypoint order, times the float32 box score; 0 when none passes.
 */
export function rescore(preds: ArrayLike<number>, numJoints: number, bboxScore: number, visThr = 0.2): number {
  let kptScore = 0;
  let valid = 0;
  for (let j = 0; j < numJoints; j++) {
    const s = preds[3 * j + 2];
    // numpy compares the float32 score with the Python float in float64 (scalar promotion)
    if (s > visThr) {
      kptScore += s;
      valid++;
    }
  }
  if (valid !== 0) kptScore /= valid;
  return kptScore * f32(bboxScore);
}

interface Person {
  imageId: number;
  bboxId: number;
  keypoints: Float32Array;
  center: [number, number];
  scale: [number, number];
  area: number;
  boxScore: number;
  score: number;
}

/**
 * From the per-box outputs to the `result_keypoints.json` entries, in MMPose's file order:
 * images in order of first appearance, persons in NMS keep order (or bbox_id order
 * without NMS).
 */
export function topDownCocoResults(rows: readonly TopDownOutputRow[], cfg: TopDownEvalConfig): CocoKeypointResult[] {
  const K = cfg.numJoints;
  if (cfg.sigmas.length !== K) {
    throw new PosePortError('SHAPE_MISMATCH', `evaluate: ${cfg.sigmas.length} sigmas for ${K} keypoints`);
  }
  const useNms = cfg.useNms ?? true;
  const softNms = cfg.softNms ?? false;
  const oksThr = cfg.oksThr ?? 0.9;
  const visThr = cfg.visThr ?? 0.2;
  const byImage = new Map<number, Person[]>();
  rows.forEach((r, i) => {
    if (r.preds.length !== 3 * K) {
      throw new PosePortError('SHAPE_MISMATCH', `evaluate: output row ${i} (image ${r.imageId}, bbox_id ${r.bboxId}) has ${r.preds.length / 3} keypoints, expected ${K}`);
    }
    if (r.box.length !== 6) throw new PosePortError('SHAPE_MISMATCH', `evaluate: output row ${i} box has ${r.box.length} values, expected 6`);
    if (!byImage.has(r.imageId)) byImage.set(r.imageId, []);
    byImage.get(r.imageId)!.push({
      imageId: r.imageId,
      bboxId: r.bboxId,
      keypoints: Float32Array.from(r.preds),
      center: [f32(r.box[0]), f32(r.box[1])],
      scale: [f32(r.box[2]), f32(r.box[3])],
      area: f32(r.box[4]),
      boxScore: f32(r.box[5]),
      score: 0,
    });
  });
  const results: CocoKeypointResult[] = [];
  for (const [imageId, persons0] of byImage) {
    // _sort_and_unique_bboxes: stable sort by bbox_id, keep the first of equal ids
    const sorted = [...persons0].sort((a, b) => a.bboxId - b.bboxId);
    const persons = sorted.filter((p, i) => i === 0 || p.bboxId !== sorted[i - 1].bboxId);
    for (const p of persons) p.score = rescore(p.keypoints, K, p.boxScore, visThr);
    let kept: Person[];
    if (useNms) {
      const nmsIn: NmsPerson[] = persons.map((p) => ({ keypoints: p.keypoints, score: p.score, area: p.area }));
      const keep = softNms ? softOksNms(nmsIn, oksThr, cfg.sigmas, 20) : oksNms(nmsIn, oksThr, cfg.sigmas);
      kept = keep.map((i) => persons[i]);
    } else {
      kept = persons;
    }
    for (const p of kept) results.push(toResult(p, imageId, cfg));
  }
  return results;
}

function toResult(p: Person, imageId: number, cfg: TopDownEvalConfig): CocoKeypointResult {
  const all = Array.from(p.keypoints);
  const base = { image_id: imageId, category_id: cfg.categoryId ?? 1, score: p.score, center: [...p.center], scale: [...p.scale] };
  if (!cfg.wholebodyParts) return { ...base, keypoints: all };
  const out: Record<string, unknown> = { ...base };
  for (const part of WHOLEBODY_PARTS) {
    const r = cfg.wholebodyParts[part];
    out[WHOLEBODY_PART_KEYS[part]] = all.slice(3 * r.start, 3 * r.end);
  }
  return out as unknown as CocoKeypointResult;
}
