/**
 * Scoring of a standard COCO keypoint results file against an annotation file, as COCO's
 * own tools (and MMPose) score it: what `pose-port score results.json --ann ann.json`
 * needs. COCO (17 keypoints) gives the ten stats; COCO-WholeBody gives them per part
 * (body, foot, face, lefthand, righthand, wholebody), each part with its sigmas and the
 * person area as OKS scale (spec §7.7).
 *
 * About the zoo tables' single "Hand" column: no MMPose or COCO-WholeBody code computes a
 * combined hand score; `handMean` reports the mean of the lefthand and righthand stats,
 * the most likely derivation, and is labelled as such.
 */
import { PosePortError } from '../core/errors.js';
import {
  CocoKeypointEval,
  loadResults,
  type CocoEvaluator,
  type CocoGtFile,
  type CocoKeypointResult,
  type KeypointIouType,
} from './cocoeval.js';
import { COCO_SIGMAS, DATASETS, WHOLEBODY_PARTS, WHOLEBODY_PART_KEYS, WHOLEBODY_SIGMAS, type WholeBodyPart } from './datasets.js';
import { topDownCocoResults, type TopDownEvalConfig, type TopDownOutputRow } from './topdown-results.js';

export type WholeBodySplit = WholeBodyPart | 'wholebody';

export const WHOLEBODY_SPLITS: readonly WholeBodySplit[] = [...WHOLEBODY_PARTS, 'wholebody'];

const IOU_TYPE: Record<WholeBodySplit, KeypointIouType> = {
  body: 'keypoints_body',
  foot: 'keypoints_foot',
  face: 'keypoints_face',
  lefthand: 'keypoints_lefthand',
  righthand: 'keypoints_righthand',
  wholebody: 'keypoints_wholebody',
};

export interface ScoreOptions {
  evaluator?: CocoEvaluator;
  /** sigmas for a COCO-style file whose keypoint count is not 17 */
  sigmas?: readonly number[];
  /** force the kind instead of detecting it from the annotation file */
  kind?: 'coco' | 'wholebody';
}

export type ScoreResult =
  | { kind: 'coco'; stats: number[] }
  | { kind: 'wholebody'; stats: Record<WholeBodySplit, number[]>; handMean: number[] };

/** Checks the shape of a parsed annotation file; returns it typed. */
export function parseCocoGt(json: unknown, file?: string): CocoGtFile {
  const o = json as CocoGtFile;
  if (!o || typeof o !== 'object' || !Array.isArray(o.images) || !Array.isArray(o.annotations)) {
    throw new PosePortError('ANNOTATION_FORMAT', "annotation file must be an object with 'images' and 'annotations' lists", { file });
  }
  o.images.forEach((img, i) => {
    if (!img || typeof img.id !== 'number') throw new PosePortError('ANNOTATION_FORMAT', `images[${i}] has no numeric 'id'`, { file, key: `images[${i}]` });
  });
  o.annotations.forEach((a, i) => {
    if (!a || typeof a.id !== 'number' || typeof a.image_id !== 'number' || typeof a.category_id !== 'number') {
      throw new PosePortError('ANNOTATION_FORMAT', `annotations[${i}] lacks a numeric id, image_id or category_id`, { file, key: `annotations[${i}]` });
    }
  });
  return o;
}

/** Checks a parsed results file (a JSON list of keypoint results); returns it typed. */
export function parseCocoResults(json: unknown, file?: string): CocoKeypointResult[] {
  if (!Array.isArray(json)) throw new PosePortError('ANNOTATION_FORMAT', 'results file must be a JSON list of objects', { file });
  json.forEach((r, i) => {
    if (!r || typeof r !== 'object') throw new PosePortError('ANNOTATION_FORMAT', `results[${i}] is not an object`, { file, key: `[${i}]` });
    const o = r as Record<string, unknown>;
    if (typeof o.image_id !== 'number') throw new PosePortError('ANNOTATION_FORMAT', `results[${i}] has no numeric 'image_id'`, { file, key: `[${i}].image_id` });
    if (typeof o.category_id !== 'number') throw new PosePortError('ANNOTATION_FORMAT', `results[${i}] has no numeric 'category_id'`, { file, key: `[${i}].category_id` });
    if (typeof o.score !== 'number') throw new PosePortError('ANNOTATION_FORMAT', `results[${i}] has no numeric 'score'`, { file, key: `[${i}].score` });
    if (!Array.isArray(o.keypoints) || !o.keypoints.every((v) => typeof v === 'number')) {
      throw new PosePortError('ANNOTATION_FORMAT', `results[${i}] has no numeric 'keypoints' list`, { file, key: `[${i}].keypoints` });
    }
  });
  return json as CocoKeypointResult[];
}

/** True when the annotations carry COCO-WholeBody's part fields. */
export function isWholeBodyGt(gt: CocoGtFile): boolean {
  const a = gt.annotations[0];
  return a !== undefined && WHOLEBODY_PARTS.every((p) => Array.isArray(a[WHOLEBODY_PART_KEYS[p]]));
}

/** The six COCOeval passes of `TopDownCocoWholeBodyDataset.evaluate`, stats per split. */
export function wholeBodyEval(gt: CocoGtFile, results: readonly CocoKeypointResult[], evaluator: CocoEvaluator = 'xtcocotools_1.6'): Record<WholeBodySplit, number[]> {
  const loaded = loadResults(gt, results);
  const out = {} as Record<WholeBodySplit, number[]>;
  for (const split of WHOLEBODY_SPLITS) {
    const sigmas = split === 'wholebody' ? WHOLEBODY_PARTS.flatMap((p) => WHOLEBODY_SIGMAS[p]) : WHOLEBODY_SIGMAS[split];
    out[split] = new CocoKeypointEval(gt, loaded, { iouType: IOU_TYPE[split], sigmas, evaluator }).run().stats;
  }
  return out;
}

/**
 * Scores parsed results against a parsed annotation file. WholeBody is detected from the
 * annotations' part fields unless `opts.kind` says otherwise.
 */
export function scoreCocoKeypointResults(resultsJson: unknown, annJson: unknown, opts: ScoreOptions = {}): ScoreResult {
  const gt = parseCocoGt(annJson);
  const results = parseCocoResults(resultsJson);
  const kind = opts.kind ?? (isWholeBodyGt(gt) ? 'wholebody' : 'coco');
  if (kind === 'wholebody') {
    const stats = wholeBodyEval(gt, results, opts.evaluator);
    const handMean = stats.lefthand.map((v, i) => (v + stats.righthand[i]) / 2);
    return { kind, stats, handMean };
  }
  const first = gt.annotations.find((a) => Array.isArray(a.keypoints));
  const k = first?.keypoints ? first.keypoints.length / 3 : 17;
  const sigmas = opts.sigmas ?? (k === 17 ? COCO_SIGMAS : undefined);
  if (!sigmas) throw new PosePortError('USAGE', `the annotations have ${k} keypoints: pass their OKS sigmas (COCO's are for 17)`);
  if (sigmas.length !== k) throw new PosePortError('USAGE', `${sigmas.length} sigmas given for ${k} keypoints`);
  const stats = new CocoKeypointEval(gt, results, { sigmas, evaluator: opts.evaluator }).run().stats;
  return { kind: 'coco', stats };
}

/**
 * MMPose's whole `evaluate` for COCO / COCO-WholeBody: per-box outputs -> rescoring,
 * NMS -> `result_keypoints.json` entries -> COCOeval. For WholeBody, MMPose returns the
 * 'wholebody' stats; all splits are given here.
 */
export function evaluateTopDown(
  rows: readonly TopDownOutputRow[],
  gt: CocoGtFile,
  cfg: Omit<TopDownEvalConfig, 'numJoints' | 'sigmas' | 'wholebodyParts'> & {
    /** 'custom': a keypoint set of the model's own, scored COCO-style with `sigmas` */
    dataset: 'coco' | 'coco_wholebody' | 'custom';
    /** OKS sigmas of a custom set (one per keypoint) */
    sigmas?: readonly number[];
    evaluator?: CocoEvaluator;
  },
): { results: CocoKeypointResult[]; score: ScoreResult } {
  if (cfg.dataset === 'custom') {
    const sigmas = cfg.sigmas;
    if (!sigmas) throw new PosePortError('USAGE', 'a custom keypoint set needs its OKS sigmas to be scored');
    const results = topDownCocoResults(rows, { ...cfg, numJoints: sigmas.length, sigmas });
    return { results, score: { kind: 'coco', stats: new CocoKeypointEval(gt, results, { sigmas, evaluator: cfg.evaluator }).run().stats } };
  }
  const ds = DATASETS[cfg.dataset];
  const results = topDownCocoResults(rows, { ...cfg, numJoints: ds.numKeypoints, sigmas: ds.sigmas!, wholebodyParts: ds.parts });
  if (cfg.dataset === 'coco_wholebody') {
    const stats = wholeBodyEval(gt, results, cfg.evaluator);
    return { results, score: { kind: 'wholebody', stats, handMean: stats.lefthand.map((v, i) => (v + stats.righthand[i]) / 2) } };
  }
  return { results, score: { kind: 'coco', stats: new CocoKeypointEval(gt, results, { sigmas: ds.sigmas!, evaluator: cfg.evaluator }).run().stats } };
}
