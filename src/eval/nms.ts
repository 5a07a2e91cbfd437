/**
 * MMPose v0.12 `oks_iou`, `oks_nms` and `soft_oks_nms` (spec §7.3), with numpy's
 * promotion rules and its default argsort (ties among fewer than 17 persons: the higher
 * index first after the descending reversal).
 */
import { argsortQuick, pairwiseSum } from './numpy-compat.js';

const f32 = Math.fround;
const EPS = 2.220446049250313e-16; // np.spacing(1)

/** One person as `evaluate` hands it to NMS. */
export interface NmsPerson {
  /** [K*3] (x, y, score), float32 values */
  keypoints: ArrayLike<number>;
  /** rescored person score (float64 after rescoring) */
  score: number;
  /** padded crop-box area `boxes[4]` (float32) */
  area: number;
}

/**
 * `oks_iou(g, d, a_g, a_d, sigmas, vis_thr)`: OKS of person `g` against each of `others`,
 * float32 results. The scale is the mean of the two crop areas; all keypoints count unless
 * `visThr` is given, in which case only the *detection's* visibility selects (MMPose's
 * `list and list` quirk).
 */
export function oksIou(
  g: ArrayLike<number>,
  others: readonly ArrayLike<number>[],
  areaG: number,
  areasD: readonly number[],
  sigmas: readonly number[],
  visThr: number | null = null,
): Float32Array {
  const K = sigmas.length;
  const vars = sigmas.map((s) => (s * 2) ** 2);
  const out = new Float32Array(others.length);
  const e = new Float64Array(K);
  for (let n = 0; n < others.length; n++) {
    const d = others[n];
    const norm = f32(f32(areaG) + f32(areasD[n])) / 2 + EPS;
    let m = 0;
    for (let k = 0; k < K; k++) {
      if (visThr !== null && !(d[3 * k + 2] > f32(visThr))) continue;
      const dx = f32(d[3 * k] - g[3 * k]);
      const dy = f32(d[3 * k + 1] - g[3 * k + 1]);
      const sq = f32(f32(dx * dx) + f32(dy * dy));
      e[m++] = Math.exp(-(sq / vars[k] / norm / 2));
    }
    out[n] = m === 0 ? 0 : pairwiseSum(e, 0, m) / m;
  }
  return out;
}

function personArrays(persons: readonly NmsPerson[]): { kpts: ArrayLike<number>[]; areas: number[]; scores: Float64Array } {
  return {
    kpts: persons.map((p) => p.keypoints),
    areas: persons.map((p) => f32(p.area)),
    scores: Float64Array.from(persons.map((p) => p.score)),
  };
}

function descendingOrder(scores: ArrayLike<number>): number[] {
  return Array.from(argsortQuick(scores)).reverse();
}

/**
 * Greedy OKS-NMS: keeps the best remaining person and drops every other with
 * `oks > thr` (equal is kept). Returns kept indices in keep (score-descending) order.
 */
export function oksNms(persons: readonly NmsPerson[], thr: number, sigmas: readonly number[], visThr: number | null = null): number[] {
  if (persons.length === 0) return [];
  const { kpts, areas, scores } = personArrays(persons);
  let order = descendingOrder(scores);
  // numpy compares the float32 OKS array with the Python float as float32
  const thr32 = f32(thr);
  const keep: number[] = [];
  while (order.length > 0) {
    const i = order[0];
    keep.push(i);
    const rest = order.slice(1);
    const ovr = oksIou(kpts[i], rest.map((j) => kpts[j]), areas[i], rest.map((j) => areas[j]), sigmas, visThr);
    order = rest.filter((_, t) => ovr[t] <= thr32);
  }
  return keep;
}

/**
 * Soft OKS-NMS (Gaussian rescoring `s · f32(exp(f32(f32(-oks²) / thr)))`), keeping at most
 * `maxDets`. Returns kept indices in keep order; the caller writes the original scores.
 */
export function softOksNms(
  persons: readonly NmsPerson[],
  thr: number,
  sigmas: readonly number[],
  maxDets = 20,
  visThr: number | null = null,
): number[] {
  if (persons.length === 0) return [];
  const { kpts, areas, scores: s0 } = personArrays(persons);
  let order = descendingOrder(s0);
  let scores = Float64Array.from(order, (i) => s0[i]);
  const keep: number[] = [];
  while (order.length > 0 && keep.length < maxDets) {
    const i = order[0];
    const rest = order.slice(1);
    const ovr = oksIou(kpts[i], rest.map((j) => kpts[j]), areas[i], rest.map((j) => areas[j]), sigmas, visThr);
    const thr32 = f32(thr);
    const decayed = new Float64Array(rest.length);
    for (let t = 0; t < rest.length; t++) {
      const o = ovr[t];
      decayed[t] = scores[t + 1] * f32(Math.exp(f32(f32(-f32(o * o)) / thr32)));
    }
    const tmp = descendingOrder(decayed);
    order = tmp.map((t) => rest[t]);
    scores = Float64Array.from(tmp, (t) => decayed[t]);
    keep.push(i);
  }
  return keep;
}
