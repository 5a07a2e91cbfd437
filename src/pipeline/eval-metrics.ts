/** MPII ground truth from the annotation list or mpii_gt_val.mat's fields, and the metric tables eval reports beside the zoo's recorded numbers. */
import { PosePortError } from '../core/errors.js';
import type { ScoreResult } from '../eval/coco-results.js';
import { STATS_NAMES } from '../eval/cocoeval.js';
import type { MpiiGt, MpiiPckh } from '../eval/mpii.js';
import type { MpiiJsonEntry } from '../eval/persons.js';
import type { MetricRow } from './eval.js';

/** Round-half-even to 0.1, as numpy's `round(v, 1)`. */
function round1(v: number): number {
  const x = v * 10;
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return r / 10;
}

/**
 * PCKh ground truth from MMPose's MPII JSON: joints (1-based) and `1 - joints_vis`, with
 * synthetic head boxes (square of side |head_top - upper_neck|, centred between them).
 */
export function mpiiGtFromAnnotations(entries: readonly MpiiJsonEntry[], file?: string): MpiiGt {
  const N = entries.length;
  const J = 16;
  const pos = Array.from({ length: J }, () => [new Array<number>(N), new Array<number>(N)]);
  const missing = Array.from({ length: J }, () => new Array<number>(N));
  const hb = [
    [new Array<number>(N), new Array<number>(N)],
    [new Array<number>(N), new Array<number>(N)],
  ];
  entries.forEach((e, n) => {
    const joints = e.joints as number[][] | undefined;
    const vis = e.joints_vis as number[] | undefined;
    if (!Array.isArray(joints) || joints.length !== J || !Array.isArray(vis) || vis.length !== J)
      throw new PosePortError('ANNOTATION_FORMAT', `MPII entry ${n} needs 'joints' [16][2] and 'joints_vis' [16] for PCKh`, { file, key: `[${n}]` });
    for (let j = 0; j < J; j++) {
      pos[j][0][n] = joints[j][0];
      pos[j][1][n] = joints[j][1];
      missing[j][n] = 1 - vis[j];
    }
    const [nx, ny] = joints[8];
    const [hx, hy] = joints[9];
    const side = Math.hypot(hx - nx, hy - ny);
    const cx = (hx + nx) / 2;
    const cy = (hy + ny) / 2;
    hb[0][0][n] = round1(cx - side / 2);
    hb[0][1][n] = round1(cy - side / 2);
    hb[1][0][n] = round1(cx + side / 2);
    hb[1][1][n] = round1(cy + side / 2);
  });
  return {
    dataset_joints: ['rank', 'rkne', 'rhip', 'lhip', 'lkne', 'lank', 'pelv', 'thor', 'neck', 'head', 'rwri', 'relb', 'rsho', 'lsho', 'lelb', 'lwri'],
    jnt_missing: missing,
    pos_gt_src: pos,
    headboxes_src: hb,
  };
}

export function checkMpiiGt(json: unknown, file: string): MpiiGt {
  const g = json as MpiiGt;
  for (const k of ['dataset_joints', 'jnt_missing', 'pos_gt_src', 'headboxes_src'] as const)
    if (!g || !Array.isArray(g[k])) throw new PosePortError('ANNOTATION_FORMAT', `MPII ground truth has no '${k}' list`, { file, key: k });
  return g;
}

const COCO_ZOO_KEYS: Record<string, string> = { AP: 'AP', 'AP .5': 'AP50', 'AP .75': 'AP75', AR: 'AR', 'AR .5': 'AR50' };

export function cocoTable(stats: readonly number[], recorded: Record<string, number> | undefined): MetricRow[] {
  return STATS_NAMES.map((name, i) => {
    const key = COCO_ZOO_KEYS[name];
    const rec = key && recorded ? recorded[key] : undefined;
    return { name, value: stats[i], ...(rec !== undefined ? { recorded: rec } : {}) };
  });
}

export function wholebodyTable(score: Extract<ScoreResult, { kind: 'wholebody' }>, recorded: Record<string, number> | undefined): MetricRow[] {
  const rows: MetricRow[] = [];
  const splits: [string, number[], string | undefined][] = [
    ['body', score.stats.body, 'body'],
    ['foot', score.stats.foot, 'foot'],
    ['face', score.stats.face, 'face'],
    ['lefthand', score.stats.lefthand, undefined],
    ['righthand', score.stats.righthand, undefined],
    ['hand (mean of left, right)', score.handMean, 'hand'],
    ['whole', score.stats.wholebody, 'whole'],
  ];
  for (const [label, s, key] of splits) {
    for (const [metric, idx] of [['AP', 0], ['AR', 5]] as const) {
      const rec = key && recorded ? recorded[`${key}_${metric}`] : undefined;
      rows.push({ name: `${label} ${metric}`, value: s[idx], ...(rec !== undefined ? { recorded: rec } : {}) });
    }
  }
  return rows;
}

export function mpiiTable(p: MpiiPckh, recorded: Record<string, number> | undefined): MetricRow[] {
  const names = ['Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle', 'PCKh', 'PCKh@0.1'] as const;
  return names.map((n) => {
    const rec = (n === 'PCKh' || n === 'PCKh@0.1') && recorded?.[n] !== undefined ? recorded[n] * 100 : undefined;
    return { name: n, value: p[n], ...(rec !== undefined ? { recorded: rec } : {}) };
  });
}
