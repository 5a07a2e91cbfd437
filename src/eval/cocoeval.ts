/**
 * COCO keypoint evaluation with COCOeval's semantics (spec §7.5-7.7), for the evaluator
 * versions MMPose's numbers were produced with and the later ones:
 *
 * - 'xtcocotools_1.6' (default) and 'pycocotools': identical for keypoints; the behaviour
 *   behind the AP that MMPose v0.12 reported.
 * - 'xtcocotools_1.8': detections whose (part) keypoint scores are all <= 0 are dropped,
 *   GT is ignored when no keypoint has v > 0, and part evaluations use `<part>_score`
 *   when present.
 * - 'xtcocotools_1.9-1.11': 1.8 plus the -1 match sentinel bug: unmatched detections
 *   outside an area range are not ignored, so AP (M) and AP (L) are wrong.
 * - 'xtcocotools_1.14' (>= 1.12): 1.8 with -1 match sentinels done right.
 *
 * Everything is float64 with numpy's summation order where it decides the last bit
 * (pairwise sums in the OKS and in the final means); the stats are exact.
 *
 * Past 300 lines because it is one algorithm (evaluateImg, accumulate, summarize)
 * whose version switches cut across all three steps; kept together so each switch
 * reads beside the code it changes.
 */
import { PosePortError } from '../core/errors.js';
import { WHOLEBODY_PARTS, WHOLEBODY_PART_KEYS } from './datasets.js';
import { argsortDescStable, argsortStable, pairwiseSum } from './numpy-compat.js';

export type CocoEvaluator = 'xtcocotools_1.6' | 'pycocotools' | 'xtcocotools_1.8' | 'xtcocotools_1.9-1.11' | 'xtcocotools_1.14';

export const COCO_EVALUATORS: readonly CocoEvaluator[] = ['xtcocotools_1.6', 'pycocotools', 'xtcocotools_1.8', 'xtcocotools_1.9-1.11', 'xtcocotools_1.14'];

export type KeypointIouType =
  | 'keypoints'
  | 'keypoints_body'
  | 'keypoints_foot'
  | 'keypoints_face'
  | 'keypoints_lefthand'
  | 'keypoints_righthand'
  | 'keypoints_wholebody';

export const STATS_NAMES = ['AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)', 'AR (L)'] as const;

/** A GT annotation as in a COCO keypoint file (WholeBody adds the part fields). */
export interface CocoGtAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  keypoints?: number[];
  num_keypoints?: number;
  area?: number;
  bbox?: number[];
  iscrowd?: number | boolean;
  [key: string]: unknown;
}

export interface CocoGtFile {
  images: { id: number; file_name?: string; width?: number; height?: number; [key: string]: unknown }[];
  annotations: CocoGtAnnotation[];
  categories?: { id: number; [key: string]: unknown }[];
}

/** One entry of a COCO keypoint results file. */
export interface CocoKeypointResult {
  image_id: number;
  category_id: number;
  keypoints: number[];
  score: number;
  bbox?: number[];
  [key: string]: unknown;
}

export interface CocoEvalOptions {
  iouType?: KeypointIouType;
  /** OKS sigmas of the keypoints the iouType evaluates */
  sigmas: readonly number[];
  evaluator?: CocoEvaluator;
  /** xtcocotools `use_area` (MMPose: true); false uses 0.53·w·h of the GT box */
  useArea?: boolean;
}

interface Behaviour {
  dropZeroScoreDets: boolean;
  ignoreByVisible: boolean;
  partScores: boolean;
  sentinel: 0 | -1;
  /** the "unmatched detection outside the area range" test */
  areaTest: 'eq0' | 'lt0';
}

function behaviourOf(e: CocoEvaluator): Behaviour {
  switch (e) {
    case 'xtcocotools_1.6':
    case 'pycocotools':
      return { dropZeroScoreDets: false, ignoreByVisible: false, partScores: false, sentinel: 0, areaTest: 'eq0' };
    case 'xtcocotools_1.8':
      return { dropZeroScoreDets: true, ignoreByVisible: true, partScores: true, sentinel: 0, areaTest: 'eq0' };
    case 'xtcocotools_1.9-1.11':
      return { dropZeroScoreDets: true, ignoreByVisible: true, partScores: true, sentinel: -1, areaTest: 'eq0' };
    case 'xtcocotools_1.14':
      return { dropZeroScoreDets: true, ignoreByVisible: true, partScores: true, sentinel: -1, areaTest: 'lt0' };
    default:
      throw new PosePortError('USAGE', `unknown COCO evaluator '${String(e)}' (${COCO_EVALUATORS.join(', ')})`);
  }
}

const EPS = 2.220446049250313e-16;

/** iouThrs = linspace(.5, .95, 10), recThrs = linspace(0, 1, 101), as numpy computes them. */
export const IOU_THRS: readonly number[] = (() => {
  const step = (0.95 - 0.5) / 9;
  const t = Array.from({ length: 10 }, (_, i) => i * step + 0.5);
  t[9] = 0.95;
  return t;
})();
export const REC_THRS: readonly number[] = (() => {
  const step = 1.0 / 100;
  const r = Array.from({ length: 101 }, (_, i) => i * step + 0);
  r[100] = 1.0;
  return r;
})();
export const AREA_RANGES: readonly { label: 'all' | 'medium' | 'large'; range: [number, number] }[] = [
  { label: 'all', range: [0 ** 2, 1e5 ** 2] },
  { label: 'medium', range: [32 ** 2, 96 ** 2] },
  { label: 'large', range: [96 ** 2, 1e5 ** 2] },
];
export const MAX_DETS = 20;

interface GtRec {
  id: number;
  kpts: number[];
  area: number | undefined;
  bbox: number[] | undefined;
  iscrowd: boolean;
  ignore: boolean;
}

interface DtRec {
  id: number;
  kpts: number[];
  area: number;
  score: number;
}

interface ImgEval {
  /** detection scores, sorted, cut at maxDets */
  dtScores: number[];
  /** [T][D] matched GT id or the sentinel */
  dtm: Float64Array[];
  /** [T][D] */
  dtIg: Uint8Array[];
  gtIg: Uint8Array;
}

function partKeypoints(obj: Record<string, unknown>, iouType: KeypointIouType, what: string): number[] {
  const get = (key: string): number[] => {
    const v = obj[key];
    if (!Array.isArray(v)) throw new PosePortError('ANNOTATION_FORMAT', `${what} has no '${key}' list (needed for ${iouType})`, { key });
    return v as number[];
  };
  switch (iouType) {
    case 'keypoints':
    case 'keypoints_body':
      return get('keypoints');
    case 'keypoints_foot':
      return get('foot_kpts');
    case 'keypoints_face':
      return get('face_kpts');
    case 'keypoints_lefthand':
      return get('lefthand_kpts');
    case 'keypoints_righthand':
      return get('righthand_kpts');
    case 'keypoints_wholebody':
      return WHOLEBODY_PARTS.flatMap((p) => get(WHOLEBODY_PART_KEYS[p]));
    default:
      throw new PosePortError('USAGE', `unknown iouType '${String(iouType)}'`);
  }
}

const PART_SCORE_KEY: Record<KeypointIouType, string> = {
  keypoints: 'score',
  keypoints_body: 'score',
  keypoints_foot: 'foot_score',
  keypoints_face: 'face_score',
  keypoints_lefthand: 'lefthand_score',
  keypoints_righthand: 'righthand_score',
  keypoints_wholebody: 'wholebody_score',
};

function countVisible(kpts: readonly number[]): number {
  let k = 0;
  for (let i = 2; i < kpts.length; i += 3) if (kpts[i] > 0) k++;
  return k;
}

/** A loaded results file: ids, areas and boxes as COCO's `loadRes` assigns them. */
export interface LoadedResult {
  id: number;
  image_id: number;
  category_id: number;
  area: number;
  raw: CocoKeypointResult;
}

/**
 * `COCO.loadRes` for keypoint results: id = 1-based file position; area from the
 * extent of all values of `keypoints` (or from `bbox` when results carry one, as
 * loadRes then takes its bbox branch). Every image_id must be in the GT.
 */
export function loadResults(gt: CocoGtFile, results: readonly CocoKeypointResult[]): LoadedResult[] {
  if (!Array.isArray(results)) throw new PosePortError('ANNOTATION_FORMAT', 'results must be a JSON array of objects');
  const imgIds = new Set(gt.images.map((i) => i.id));
  const useBbox = results.length > 0 && Array.isArray(results[0].bbox) && results[0].bbox.length > 0;
  return results.map((r, i) => {
    if (r === null || typeof r !== 'object') throw new PosePortError('ANNOTATION_FORMAT', `result ${i} is not an object`, { key: `[${i}]` });
    if (!imgIds.has(r.image_id)) {
      throw new PosePortError('ANNOTATION_FORMAT', `result ${i} has image_id ${JSON.stringify(r.image_id)}, which is not in the ground truth`, { key: `[${i}].image_id` });
    }
    if (typeof r.score !== 'number') throw new PosePortError('ANNOTATION_FORMAT', `result ${i} has no numeric 'score'`, { key: `[${i}].score` });
    let area: number;
    if (useBbox) {
      const bb = r.bbox;
      if (!Array.isArray(bb) || bb.length < 4) throw new PosePortError('ANNOTATION_FORMAT', `result ${i} has no 'bbox' (the first result has one)`, { key: `[${i}].bbox` });
      area = bb[2] * bb[3];
    } else {
      const s = r.keypoints;
      if (!Array.isArray(s) || s.length === 0) throw new PosePortError('ANNOTATION_FORMAT', `result ${i} has no 'keypoints' list`, { key: `[${i}].keypoints` });
      let x0 = Infinity;
      let x1 = -Infinity;
      let y0 = Infinity;
      let y1 = -Infinity;
      let nan = false;
      for (let k = 0; k + 1 < s.length; k += 3) {
        const x = s[k];
        const y = s[k + 1];
        if (x !== x || y !== y) nan = true;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
      area = nan ? NaN : (x1 - x0) * (y1 - y0);
    }
    return { id: i + 1, image_id: r.image_id, category_id: r.category_id, area, raw: r };
  });
}

export interface CocoEvalResult {
  /** [AP, AP .5, AP .75, AP (M), AP (L), AR, AR .5, AR .75, AR (M), AR (L)] */
  stats: number[];
  /** precision[t][r][k][a] flattened in that order (-1 where no GT) */
  precision: Float64Array;
  /** recall[t][k][a] flattened */
  recall: Float64Array;
  catIds: number[];
  imgIds: number[];
}

/**
 * COCOeval for keypoints: `evaluate()`, `accumulate()`, `summarize()` with maxDets 20 and
 * the area ranges all / medium / large. `oksMatrix(imgId)` exposes the OKS matrix (rows:
 * detections sorted by score and cut to 20, columns: GT in file order).
 */
export class CocoKeypointEval {
  readonly iouType: KeypointIouType;
  readonly sigmas: readonly number[];
  readonly evaluator: CocoEvaluator;
  readonly useArea: boolean;
  readonly imgIds: number[];
  readonly catIds: number[];
  private readonly b: Behaviour;
  private readonly gts = new Map<string, GtRec[]>();
  private readonly dts = new Map<string, DtRec[]>();
  private readonly ious = new Map<string, Float64Array[]>();

  constructor(gt: CocoGtFile, results: readonly CocoKeypointResult[] | readonly LoadedResult[], opts: CocoEvalOptions) {
    this.iouType = opts.iouType ?? 'keypoints';
    this.evaluator = opts.evaluator ?? 'xtcocotools_1.6';
    this.b = behaviourOf(this.evaluator);
    this.sigmas = opts.sigmas;
    this.useArea = opts.useArea ?? true;
    validateGt(gt);
    this.imgIds = [...new Set(gt.images.map((i) => i.id))].sort((a, b) => a - b);
    const cats = gt.categories && gt.categories.length > 0 ? gt.categories.map((c) => c.id) : [...new Set(gt.annotations.map((a) => a.category_id))];
    this.catIds = [...new Set(cats)].sort((a, b) => a - b);
    const loaded: LoadedResult[] =
      results.length > 0 && 'raw' in (results[0] as object) ? (results as LoadedResult[]) : loadResults(gt, results as CocoKeypointResult[]);
    this.prepare(gt, loaded);
  }

  private key(img: number, cat: number): string {
    return `${img}/${cat}`;
  }

  private prepare(gt: CocoGtFile, loaded: LoadedResult[]): void {
    const imgSet = new Set(this.imgIds);
    const catSet = new Set(this.catIds);
    const K = this.sigmas.length;
    // GT grouped per (image, category); image order follows imgIds, file order within
    const byImg = new Map<number, CocoGtAnnotation[]>();
    for (const a of gt.annotations) {
      if (!byImg.has(a.image_id)) byImg.set(a.image_id, []);
      byImg.get(a.image_id)!.push(a);
    }
    for (const img of this.imgIds) {
      for (const a of byImg.get(img) ?? []) {
        if (!catSet.has(a.category_id)) continue;
        const what = `annotation ${a.id}`;
        const kpts = partKeypoints(a as Record<string, unknown>, this.iouType, what);
        if (kpts.length !== 3 * K) {
          throw new PosePortError('ANNOTATION_FORMAT', `${what} has ${kpts.length / 3} keypoints for ${this.iouType}, the sigmas give ${K}`);
        }
        let ignore = Boolean(a.iscrowd);
        let k: number;
        if (this.iouType === 'keypoints' || this.iouType === 'keypoints_body') {
          k = !this.b.ignoreByVisible && typeof a.num_keypoints === 'number' ? a.num_keypoints : countVisible(kpts);
        } else {
          k = countVisible(kpts);
        }
        ignore = k === 0 || ignore;
        const rec: GtRec = { id: a.id, kpts, area: a.area, bbox: a.bbox, iscrowd: Boolean(a.iscrowd), ignore };
        const key = this.key(a.image_id, a.category_id);
        if (!this.gts.has(key)) this.gts.set(key, []);
        this.gts.get(key)!.push(rec);
      }
    }
    const scoreKey = PART_SCORE_KEY[this.iouType];
    for (const r of loaded) {
      if (!imgSet.has(r.image_id) || !catSet.has(r.category_id)) continue;
      const kpts = partKeypoints(r.raw as Record<string, unknown>, this.iouType, `result ${r.id - 1}`);
      if (kpts.length !== 3 * K) {
        throw new PosePortError('ANNOTATION_FORMAT', `result ${r.id - 1} has ${kpts.length / 3} keypoints for ${this.iouType}, the sigmas give ${K}`);
      }
      if (this.b.dropZeroScoreDets && countVisible(kpts) === 0) continue;
      let score = r.raw.score;
      if (this.b.partScores && scoreKey !== 'score' && typeof r.raw[scoreKey] === 'number') score = r.raw[scoreKey] as number;
      const key = this.key(r.image_id, r.category_id);
      if (!this.dts.has(key)) this.dts.set(key, []);
      this.dts.get(key)!.push({ id: r.id, kpts, area: r.area, score });
    }
  }

  /** detections of an image/category sorted by score (stable), cut to maxDets */
  private sortedDts(key: string): DtRec[] {
    const dts = this.dts.get(key) ?? [];
    const order = argsortDescStable(dts.map((d) => d.score));
    return Array.from(order.subarray(0, MAX_DETS), (i) => dts[i]);
  }

  private gtArea(g: GtRec): number {
    if (g.area === undefined || !this.useArea) {
      if (!g.bbox) throw new PosePortError('ANNOTATION_FORMAT', `annotation ${g.id} has neither 'area' nor 'bbox'`);
      return g.bbox[2] * g.bbox[3] * 0.53;
    }
    return g.area;
  }

  /** computeOks: [D][G] with D the sorted, cut detections and G the GT in file order. */
  oksMatrix(imgId: number, catId = this.catIds[0]): Float64Array[] {
    const key = this.key(imgId, catId);
    const cached = this.ious.get(key);
    if (cached) return cached;
    const gts = this.gts.get(key) ?? [];
    const dts = this.sortedDts(key);
    const out: Float64Array[] = [];
    if (gts.length === 0 || dts.length === 0) {
      this.ious.set(key, out);
      return out;
    }
    for (let i = 0; i < dts.length; i++) out.push(new Float64Array(gts.length));
    const K = this.sigmas.length;
    const vars = this.sigmas.map((s) => (s * 2) ** 2);
    const e = new Float64Array(K);
    for (let j = 0; j < gts.length; j++) {
      const g = gts[j];
      const k1 = countVisible(g.kpts);
      const denom = (this.useArea ? this.gtAreaForOks(g) : this.gtArea(g)) + EPS;
      let x0 = 0;
      let x1 = 0;
      let y0 = 0;
      let y1 = 0;
      if (k1 === 0) {
        const bb = g.bbox;
        if (!bb || bb.length < 4) throw new PosePortError('ANNOTATION_FORMAT', `annotation ${g.id} has no labelled keypoint and no 'bbox'`);
        x0 = bb[0] - bb[2];
        x1 = bb[0] + bb[2] * 2;
        y0 = bb[1] - bb[3];
        y1 = bb[1] + bb[3] * 2;
      }
      for (let i = 0; i < dts.length; i++) {
        const d = dts[i].kpts;
        let m = 0;
        for (let k = 0; k < K; k++) {
          let dx: number;
          let dy: number;
          if (k1 > 0) {
            if (!(g.kpts[3 * k + 2] > 0)) continue;
            dx = d[3 * k] - g.kpts[3 * k];
            dy = d[3 * k + 1] - g.kpts[3 * k + 1];
          } else {
            const xd = d[3 * k];
            const yd = d[3 * k + 1];
            dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1);
            dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1);
          }
          e[m++] = Math.exp(-((dx ** 2 + dy ** 2) / vars[k] / denom / 2));
        }
        out[i][j] = pairwiseSum(e, 0, m) / m;
      }
    }
    this.ious.set(key, out);
    return out;
  }

  private gtAreaForOks(g: GtRec): number {
    if (g.area === undefined) throw new PosePortError('ANNOTATION_FORMAT', `annotation ${g.id} has no 'area' (needed for the OKS scale)`);
    return g.area;
  }

  private evaluateImg(imgId: number, catId: number, aRng: [number, number]): ImgEval | null {
    const key = this.key(imgId, catId);
    const gt0 = this.gts.get(key) ?? [];
    const dt = this.sortedDts(key);
    if (gt0.length === 0 && dt.length === 0) return null;
    const gIg0 = gt0.map((g) => {
      const a = this.gtArea(g);
      return g.ignore || a < aRng[0] || a > aRng[1] ? 1 : 0;
    });
    const gtind = argsortStable(gIg0);
    const gt = Array.from(gtind, (i) => gt0[i]);
    const gtIg = Uint8Array.from(gtind, (i) => gIg0[i]);
    const ious0 = this.oksMatrix(imgId, catId);
    const T = IOU_THRS.length;
    const G = gt.length;
    const D = dt.length;
    const s = this.b.sentinel;
    const matched = (v: number): boolean => (s === 0 ? v > 0 : v >= 0);
    const dtm: Float64Array[] = [];
    const dtIg: Uint8Array[] = [];
    for (let t = 0; t < T; t++) {
      const gtm = new Float64Array(G).fill(s);
      const dm = new Float64Array(D).fill(s);
      const di = new Uint8Array(D);
      if (ious0.length > 0) {
        for (let d = 0; d < D; d++) {
          let iou = Math.min(IOU_THRS[t], 1 - 1e-10);
          let m = -1;
          for (let g = 0; g < G; g++) {
            if (matched(gtm[g]) && !gt[g].iscrowd) continue;
            if (m > -1 && gtIg[m] === 0 && gtIg[g] === 1) break;
            const o = ious0[d][gtind[g]];
            if (o < iou) continue;
            iou = o;
            m = g;
          }
          if (m === -1) continue;
          di[d] = gtIg[m];
          dm[d] = gt[m].id;
          gtm[m] = dt[d].id;
        }
      }
      for (let d = 0; d < D; d++) {
        const outside = dt[d].area < aRng[0] || dt[d].area > aRng[1];
        const unmatched = this.b.areaTest === 'eq0' ? dm[d] === 0 : dm[d] < 0;
        if (outside && unmatched) di[d] = 1;
      }
      dtm.push(dm);
      dtIg.push(di);
    }
    return { dtScores: dt.map((d) => d.score), dtm, dtIg, gtIg };
  }

  /** evaluate + accumulate + summarize. */
  run(): CocoEvalResult {
    const T = IOU_THRS.length;
    const R = REC_THRS.length;
    const K = this.catIds.length;
    const A = AREA_RANGES.length;
    const precision = new Float64Array(T * R * K * A).fill(-1);
    const recall = new Float64Array(T * K * A).fill(-1);
    const pIdx = (t: number, r: number, k: number, a: number): number => ((t * R + r) * K + k) * A + a;
    const rIdx = (t: number, k: number, a: number): number => (t * K + k) * A + a;
    const s = this.b.sentinel;
    const isTp = (v: number): boolean => (s === 0 ? v !== 0 : v >= 0);

    for (let k = 0; k < K; k++) {
      for (let a = 0; a < A; a++) {
        const E: ImgEval[] = [];
        for (const img of this.imgIds) {
          const e = this.evaluateImg(img, this.catIds[k], AREA_RANGES[a].range);
          if (e) E.push(e);
        }
        if (E.length === 0) continue;
        const scores = E.flatMap((e) => e.dtScores);
        const inds = argsortDescStable(scores);
        let npig = 0;
        for (const e of E) for (const g of e.gtIg) if (g === 0) npig++;
        if (npig === 0) continue;
        const nd = scores.length;
        for (let t = 0; t < T; t++) {
          const dtmCat = new Float64Array(nd);
          const dtIgCat = new Uint8Array(nd);
          let o = 0;
          for (const e of E) {
            dtmCat.set(e.dtm[t], o);
            dtIgCat.set(e.dtIg[t], o);
            o += e.dtScores.length;
          }
          const rc = new Float64Array(nd);
          const pr = new Float64Array(nd);
          let tp = 0;
          let fp = 0;
          for (let i = 0; i < nd; i++) {
            const j = inds[i];
            if (!dtIgCat[j]) {
              if (isTp(dtmCat[j])) tp++;
              else fp++;
            }
            rc[i] = tp / npig;
            pr[i] = tp / (fp + tp + EPS);
          }
          recall[rIdx(t, k, a)] = nd ? rc[nd - 1] : 0;
          for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
          for (let r = 0; r < R; r++) {
            const pi = searchsortedLeft(rc, REC_THRS[r]);
            precision[pIdx(t, r, k, a)] = pi < nd ? pr[pi] : 0;
          }
        }
      }
    }

    const mean = (vals: number[]): number => {
      const v = vals.filter((x) => x > -1);
      return v.length === 0 ? -1 : pairwiseSum(v) / v.length;
    };
    const tIdx = (thr: number | null): number[] => (thr === null ? IOU_THRS.map((_, i) => i) : IOU_THRS.flatMap((x, i) => (x === thr ? [i] : [])));
    const aOf = (label: string): number => AREA_RANGES.findIndex((r) => r.label === label);
    const ap = (thr: number | null, area: string): number => {
      const vals: number[] = [];
      const ai = aOf(area);
      for (const t of tIdx(thr)) for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) vals.push(precision[pIdx(t, r, k, ai)]);
      return mean(vals);
    };
    const ar = (thr: number | null, area: string): number => {
      const vals: number[] = [];
      const ai = aOf(area);
      for (const t of tIdx(thr)) for (let k = 0; k < K; k++) vals.push(recall[rIdx(t, k, ai)]);
      return mean(vals);
    };
    const stats = [
      ap(null, 'all'), ap(0.5, 'all'), ap(0.75, 'all'), ap(null, 'medium'), ap(null, 'large'),
      ar(null, 'all'), ar(0.5, 'all'), ar(0.75, 'all'), ar(null, 'medium'), ar(null, 'large'),
    ];
    return { stats, precision, recall, catIds: this.catIds, imgIds: this.imgIds };
  }
}

function searchsortedLeft(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function validateGt(gt: CocoGtFile): void {
  if (!gt || typeof gt !== 'object' || !Array.isArray(gt.images) || !Array.isArray(gt.annotations)) {
    throw new PosePortError('ANNOTATION_FORMAT', "ground truth must be an object with 'images' and 'annotations' lists");
  }
  gt.annotations.forEach((a, i) => {
    if (typeof a.id !== 'number' || typeof a.image_id !== 'number' || typeof a.category_id !== 'number') {
      throw new PosePortError('ANNOTATION_FORMAT', `annotation ${i} lacks a numeric id, image_id or category_id`, { key: `annotations[${i}]` });
    }
  });
}

/** One-shot COCO keypoint evaluation: the 10 stats. */
export function cocoKeypointEval(gt: CocoGtFile, results: readonly CocoKeypointResult[], opts: CocoEvalOptions): CocoEvalResult {
  return new CocoKeypointEval(gt, results, opts).run();
}
