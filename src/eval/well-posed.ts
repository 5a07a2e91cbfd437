/**
 * Whether each decoded keypoint is determined by its heatmap at float32 precision: the
 * criterion under which two float32 implementations of the same decoding (the TypeScript
 * pipeline and a keypoint graph, two runtimes) can be held to a tight pixel bound.
 *
 * The map is decoded again (`decodeHeatmaps`, the same settings) after every value is
 * multiplied by `1 + relative·u`, u in [-1, 1] from a fixed per-element hash, in antithetic
 * pairs (u and −u), a few seeds. A keypoint whose position moves by more than `tolerancePx`
 * image pixels in any trial is ill-posed: its maximum is a tie to within a few ulps (the
 * first maximum flips to the other one, often pixels away), or DARK's Taylor step divides by
 * a near-zero curvature (a flat log-map), so an ulp of difference anywhere upstream may move
 * it arbitrarily. The antithetic pair makes an exact two-way tie move in one of its two
 * trials (whichever maximum the pattern raises in one it lowers in the other) unless the
 * pattern's values at the two maxima are within about 0.1 of each other, so close that both
 * round alike: each pair misses a given tie about once in ten, two pairs once in a hundred.
 *
 * 1e-6 relative is about 10 float32 ulps: more than two float32 pipelines of the same
 * network differ by when their crops are equal (summation order), so a well-posed keypoint
 * moves by at most about `tolerancePx` under their difference.
 */
import { decodeHeatmaps, type DecodeOptions } from './decode.js';

export interface WellPosedOptions {
  /** relative size of the perturbation (default 1e-6) */
  relative?: number;
  /** antithetic pairs of trials (default 2: four decodings) */
  pairs?: number;
  /** largest movement, image pixels, of a well-posed keypoint (default 0.005) */
  tolerancePx?: number;
}

export interface WellPosedResult {
  /** [N·K] largest movement (image px) over the trials; Infinity where a coordinate turned NaN or back */
  movement: Float64Array;
  /** [N·K] movement <= tolerancePx */
  wellPosed: boolean[];
  /** how many are ill-posed */
  illPosed: number;
}

/** A hash of (element, seed) to [-1, 1): a fixed perturbation pattern, no state. */
function unit(i: number, seed: number): number {
  let h = Math.imul(i ^ Math.imul(seed, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2147483648 - 1;
}

function distance(a: Float32Array, b: Float32Array, i: number): number {
  const d = Math.hypot(a[2 * i] - b[2 * i], a[2 * i + 1] - b[2 * i + 1]);
  // a coordinate that is NaN in one decoding and not in the other is a move as large as any
  return d === d ? d : Number.isNaN(a[2 * i] + a[2 * i + 1]) === Number.isNaN(b[2 * i] + b[2 * i + 1]) ? 0 : Infinity;
}

/** Classifies every keypoint of `heatmaps` ([N, K, H, W]) decoded with `options` (see the header). */
export function wellPosedKeypoints(heatmaps: Float32Array, options: DecodeOptions, opts: WellPosedOptions = {}): WellPosedResult {
  const relative = opts.relative ?? 1e-6;
  const pairs = opts.pairs ?? 2;
  const tolerancePx = opts.tolerancePx ?? 0.005;
  const base = decodeHeatmaps(heatmaps, options).keypoints;
  const count = base.length / 2;
  const movement = new Float64Array(count);
  const perturbed = new Float32Array(heatmaps.length);
  for (let seed = 1; seed <= pairs; seed++)
    for (const sign of [1, -1]) {
      for (let i = 0; i < heatmaps.length; i++) perturbed[i] = heatmaps[i] * (1 + sign * relative * unit(i, seed));
      const moved = decodeHeatmaps(perturbed, options).keypoints;
      for (let i = 0; i < count; i++) movement[i] = Math.max(movement[i], distance(base, moved, i));
    }
  const wellPosed = Array.from(movement, (m) => m <= tolerancePx);
  return { movement, wellPosed, illPosed: wellPosed.filter((w) => !w).length };
}
