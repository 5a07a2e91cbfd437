/**
 * The persons MMPose v0.12 evaluates (spec §1.1, §1.2, §1.4), as functions over parsed
 * JSON: detection boxes (`use_gt_bbox=False`), sanitised GT boxes (`use_gt_bbox=True`),
 * and MPII's stored centres and scales.
 */
import { PosePortError } from '../core/errors.js';
import { boxProblem, mpiiCenterScale, xywh2cs, type SizeWH } from './bbox.js';
import type { CocoGtFile } from './cocoeval.js';

export interface PersonEntry {
  imageId: number;
  /** the GT image file name ('' when the GT has none) */
  imageFile: string;
  bboxId: number;
  bboxScore: number;
  center: [number, number];
  scale: [number, number];
  /** 'float32' for COCO boxes, 'float64' for MPII */
  dtype: 'float32' | 'float64';
  /** COCO GT path: the sanitised box [x, y, w, h] */
  cleanBbox?: [number, number, number, number];
  /** detection path: the detection's box [x, y, w, h] */
  detBbox?: [number, number, number, number];
}

export interface DetectionEntry {
  image_id: number;
  category_id: number;
  bbox: number[];
  score: number;
}

/**
 * `_load_coco_person_detection_results`: in file order, category 1 only, `score < thr`
 * skipped, one bbox_id counter over the whole file.
 */
export function detectionPersons(dets: readonly DetectionEntry[], gt: CocoGtFile, imageSize: SizeWH, detBboxThr = 0.0): PersonEntry[] {
  if (!Array.isArray(dets)) throw new PosePortError('ANNOTATION_FORMAT', 'detection file must be a JSON list');
  const files = new Map(gt.images.map((i) => [i.id, i.file_name ?? '']));
  const out: PersonEntry[] = [];
  let bboxId = 0;
  dets.forEach((d, i) => {
    if (!d || d.category_id !== 1) return;
    if (!Array.isArray(d.bbox) || d.bbox.length < 4 || typeof d.score !== 'number') {
      throw new PosePortError('ANNOTATION_FORMAT', `detection ${i} needs 'bbox' [x, y, w, h] and a numeric 'score'`, { key: `[${i}]` });
    }
    const bad = boxProblem(d.bbox);
    if (bad) throw new PosePortError('ANNOTATION_FORMAT', `detection ${i}: bbox ${bad}`, { key: `[${i}].bbox` });
    const file = files.get(d.image_id);
    if (file === undefined) throw new PosePortError('ANNOTATION_FORMAT', `detection ${i} has image_id ${d.image_id}, which is not in the ground truth`, { key: `[${i}].image_id` });
    if (d.score < detBboxThr) return;
    const cs = xywh2cs(d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3], imageSize);
    out.push({ imageId: d.image_id, imageFile: file, bboxId: bboxId++, bboxScore: d.score, center: cs.center, scale: cs.scale, dtype: 'float32', detBbox: [d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3]] });
  });
  return out;
}

/**
 * `_load_coco_keypoint_annotation_kernel` for every image in file order: non-crowd
 * annotations, boxes sanitised (w-1, h-1, clipped), keypoint-less ones skipped, bbox_id
 * restarting at 0 per image. `wholebody` applies COCO-WholeBody's filters.
 */
export function groundTruthPersons(gt: CocoGtFile, imageSize: SizeWH, opts: { wholebody?: boolean } = {}): PersonEntry[] {
  const byImg = new Map<number, CocoGtFile['annotations']>();
  for (const a of gt.annotations) {
    if (!byImg.has(a.image_id)) byImg.set(a.image_id, []);
    byImg.get(a.image_id)!.push(a);
  }
  const out: PersonEntry[] = [];
  for (const img of gt.images) {
    const W = img.width;
    const H = img.height;
    if (typeof W !== 'number' || typeof H !== 'number') {
      throw new PosePortError('ANNOTATION_FORMAT', `image ${img.id} has no numeric width/height`, { key: `images[id=${img.id}]` });
    }
    let bboxId = 0;
    for (const obj of byImg.get(img.id) ?? []) {
      if (obj.iscrowd) continue;
      if (!Array.isArray(obj.bbox)) continue;
      const [x, y, w, h] = obj.bbox;
      const x1 = Math.max(0, x);
      const y1 = Math.max(0, y);
      const x2 = Math.min(W - 1, x1 + Math.max(0, w - 1));
      const y2 = Math.min(H - 1, y1 + Math.max(0, h - 1));
      if (!((obj.area === undefined || obj.area > 0) && x2 > x1 && y2 > y1)) continue;
      const clean: [number, number, number, number] = [x1, y1, x2 - x1, y2 - y1];
      if (opts.wholebody) {
        const body = obj.keypoints ?? [];
        if (Math.max(...body) === 0) continue;
      } else {
        if (!Array.isArray(obj.keypoints)) continue;
        if (Math.max(...obj.keypoints) === 0) continue;
        if (typeof obj.num_keypoints === 'number' && obj.num_keypoints === 0) continue;
      }
      const cs = xywh2cs(clean[0], clean[1], clean[2], clean[3], imageSize);
      out.push({ imageId: img.id, imageFile: img.file_name ?? '', bboxId: bboxId++, bboxScore: 1, center: cs.center, scale: cs.scale, dtype: 'float32', cleanBbox: clean });
    }
  }
  return out;
}

export interface MpiiJsonEntry {
  image: string;
  center: number[];
  scale: number;
  [key: string]: unknown;
}

/** `TopDownMpiiDataset._get_db` in test mode: float64 centre/scale, bbox_id = list index. */
export function mpiiPersons(entries: readonly MpiiJsonEntry[]): PersonEntry[] {
  if (!Array.isArray(entries)) throw new PosePortError('ANNOTATION_FORMAT', 'MPII annotation file must be a JSON list');
  return entries.map((a, i) => {
    if (!a || !Array.isArray(a.center) || typeof a.scale !== 'number' || typeof a.image !== 'string') {
      throw new PosePortError('ANNOTATION_FORMAT', `MPII entry ${i} needs 'image', 'center' [x, y] and 'scale'`, { key: `[${i}]` });
    }
    const cs = mpiiCenterScale(a.center, a.scale);
    return { imageId: i, imageFile: a.image, bboxId: i, bboxScore: 1, center: cs.center, scale: cs.scale, dtype: 'float64' };
  });
}
