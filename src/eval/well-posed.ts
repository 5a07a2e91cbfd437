/**
 * Whether each decoded keypoint is determined by its heatmap at float32 precision: the
 * criterion under which two float32 implementations of the same decoding (the TypeScript
 * pipeline and a keypoint graph, two runtimes) can be held to a tight pixel bound.
 *
 * The map is decoded again (`decodeHeatmaps`, the same settings) after perturbations of
 * size `relative·m`, m the largest |value| of the channel (a network's float32 rounding is
 * an ulp of its sums, so values near 0 differ by as much as large ones, and DARK's log
 * magnifies exactly those):
 * - the peak lowered: each channel's first maximum (for megvii of the modulated map, whose
 *   kernel window is lowered) loses `relative·m`, so any other value within that of the
 *   maximum takes its place: a tie is caught whatever its distance (megvii: beyond the
 *   kernel window, whose neighbours are lowered with it);
 * - antithetic pairs of seeded noise: `±relative·m·u`, u in [-1, 1] a fixed per-element
 *   hash, for the continuous sensitivities (DARK's Taylor step, the quarter step's sign).
 * A keypoint whose position moves by more than `tolerancePx` image pixels in any trial is
 * ill-posed: its maximum is a tie to within a few ulps (the first maximum moves to the
 * other one, often pixels away), or DARK's Taylor step divides by a near-zero curvature (a
 * flat log-map), so an ulp of difference anywhere upstream may move it arbitrarily.
 *
 * 1e-6 of the channel's maximum is about 10 float32 ulps of it: more than two float32
 * pipelines of the same network differ by when their crops are equal (summation order,
 * measured up to 2 ulps), so a well-posed keypoint moves by at most about `tolerancePx`
 * under their difference. DARK takes 1e-5: its Taylor step reads the float32 log of the
 * blurred map, whose rounding (an ulp of |log|, 2.4e-7 near the peak of a map with maxima
 * ~0.03) is a relative change of the blurred value that 1e-6 of input noise, averaged by
 * the blur to about a seventh, does not reach; 1e-5 is a few of those ulps. (Measured on
 * random-weight networks: at 1e-6 a DARK keypoint classed well-posed was 0.41 px off
 * between the keypoint graph and the TypeScript pipeline, their maps 1.9e-9 (one ulp)
 * apart; at 1e-5 none is beyond 6e-3 px.)
 */
import { argmaxHeatmaps, decodeHeatmaps, type DecodeOptions } from './decode.js';
import { modulateHeatmaps } from './gaussian.js';

export interface WellPosedOptions {
  /** size of the perturbation relative to each channel's largest |value| (default 1e-6; DARK 1e-5, see the header) */
  relative?: number;
  /** antithetic pairs of noise trials (default 3: with the peak lowered, seven decodings) */
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
  const relative = opts.relative ?? (options.method === 'dark' || options.method === 'unbiased' ? 1e-5 : 1e-6);
  const pairs = opts.pairs ?? 3;
  const tolerancePx = opts.tolerancePx ?? 0.005;
  const [n, k, h, w] = options.shape as [number, number, number, number];
  const plane = h * w;
  const base = decodeHeatmaps(heatmaps, options).keypoints;
  const count = base.length / 2;
  const movement = new Float64Array(count);
  const step = new Float64Array(n * k);
  for (let c = 0; c < n * k; c++) {
    let m = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) m = Math.max(m, Math.abs(heatmaps[i]) || 0);
    step[c] = relative * m;
  }
  const trial = (perturbed: Float32Array) => {
    const moved = decodeHeatmaps(perturbed, options).keypoints;
    for (let i = 0; i < count; i++) movement[i] = Math.max(movement[i], distance(base, moved, i));
  };
  trial(peakLowered(heatmaps, options, step));
  const perturbed = new Float32Array(heatmaps.length);
  for (let seed = 1; seed <= pairs; seed++)
    for (const sign of [1, -1]) {
      for (let i = 0; i < heatmaps.length; i++) perturbed[i] = heatmaps[i] + sign * step[Math.floor(i / plane)] * unit(i, seed);
      trial(perturbed);
    }
  const wellPosed = Array.from(movement, (m) => m <= tolerancePx);
  return { movement, wellPosed, illPosed: wellPosed.filter((v) => !v).length };
}

/** `heatmaps` with each channel's first maximum lowered by `step` (megvii: of the modulated map, its kernel window in the raw map). */
function peakLowered(heatmaps: Float32Array, options: DecodeOptions, step: Float64Array): Float32Array {
  const [n, k, h, w] = options.shape as [number, number, number, number];
  const megvii = options.method === 'megvii';
  const kernel = options.kernel ?? 5;
  let maps = heatmaps;
  if (megvii) {
    maps = heatmaps.slice();
    modulateHeatmaps(maps, n, k, h, w, kernel);
  }
  const coords = new Float32Array(n * k * 2);
  const maxvals = new Float32Array(n * k);
  argmaxHeatmaps(maps, n, k, h, w, coords, maxvals);
  const out = heatmaps.slice();
  const r = megvii ? (kernel - 1) / 2 : 0;
  for (let c = 0; c < n * k; c++) {
    const x = coords[2 * c];
    const y = coords[2 * c + 1];
    if (x < 0) continue; // no positive maximum: nothing to lower
    for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
      for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) out[c * h * w + yy * w + xx] -= step[c];
  }
  return out;
}
