/**
 * MMPose's `get_affine_transform` (rotation 0, no shift) with OpenCV's
 * `getAffineTransform` solved as OpenCV solves it (spec §3.1), and the point mapping of
 * `transform_preds` (§6.6).
 */
import type { SizeWH } from './bbox.js';

const f32 = Math.fround;

/** Row-major 2x3 affine matrix `[m00, m01, m02, m10, m11, m12]` (float64). */
export type Affine2x3 = Float64Array;

type Pt = [number, number];

/**
 * `cv2.getAffineTransform(src, dst)`: the 6x6 system solved by Gaussian elimination with
 * partial pivoting and back substitution in OpenCV's order, so the doubles match bit for bit.
 */
export function solveAffine(src: readonly Pt[], dst: readonly Pt[]): Affine2x3 {
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 3; i++) {
    a.push([src[i][0], src[i][1], 1, 0, 0, 0]);
    b.push(dst[i][0]);
    a.push([0, 0, 0, src[i][0], src[i][1], 1]);
    b.push(dst[i][1]);
  }
  const n = 6;
  for (let i = 0; i < n; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (Math.abs(a[j][i]) > Math.abs(a[k][i])) k = j;
    // OpenCV's LU gives up below 100·DBL_EPSILON and cv::solve then returns zeros
    if (Math.abs(a[k][i]) < Number.EPSILON * 100) return new Float64Array(6);
    if (k !== i) {
      for (let j = i; j < n; j++) {
        const t = a[i][j];
        a[i][j] = a[k][j];
        a[k][j] = t;
      }
      const t = b[i];
      b[i] = b[k];
      b[k] = t;
    }
    const d = -1 / a[i][i];
    for (let j = i + 1; j < n; j++) {
      const alpha = a[j][i] * d;
      for (let m = i + 1; m < n; m++) a[j][m] += alpha * a[i][m];
      b[j] += alpha * b[i];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let m = i + 1; m < n; m++) s -= a[i][m] * b[m];
    b[i] = s / a[i][i];
  }
  return Float64Array.from(b);
}

export interface AffineOptions {
  /** build the crop -> image matrix instead of image -> crop */
  inv?: boolean;
  /**
   * dtype of `center`/`scale` as MMPose held them: 'float32' (COCO, and always in the
   * decoder) makes `scale·200` a float32 product; 'float64' (MPII's dataset values) does not.
   */
  dtype?: 'float32' | 'float64';
}

/**
 * `get_affine_transform(center, scale, rot=0, output_size)`: maps the box of width
 * `scale[0]·200` centred on `center` onto `outputSize[0]` columns (corner aligned).
 * `scale[1]` is never used. The three point pairs are stored as float32, as MMPose does.
 */
export function getAffineTransform(
  center: readonly number[],
  scale: readonly number[],
  outputSize: SizeWH,
  opts: AffineOptions = {},
): Affine2x3 {
  const dtype = opts.dtype ?? 'float32';
  const cx = dtype === 'float32' ? f32(center[0]) : center[0];
  const cy = dtype === 'float32' ? f32(center[1]) : center[1];
  const sw = dtype === 'float32' ? f32(f32(scale[0]) * 200) : scale[0] * 200;
  const s0: Pt = [f32(cx), f32(cy)];
  const s1: Pt = [f32(cx + 0), f32(cy + sw * -0.5)];
  const s2 = thirdPoint(s0, s1);
  const [wo, ho] = outputSize;
  const d0: Pt = [f32(wo * 0.5), f32(ho * 0.5)];
  const d1: Pt = [f32(wo * 0.5 + 0), f32(ho * 0.5 + wo * -0.5)];
  const d2 = thirdPoint(d0, d1);
  return opts.inv ? solveAffine([d0, d1, d2], [s0, s1, s2]) : solveAffine([s0, s1, s2], [d0, d1, d2]);
}

/** `_get_3rd_point(a, b)` in float32: a - b turned by +90° around b. */
function thirdPoint(a: Pt, b: Pt): Pt {
  const dx = f32(a[0] - b[0]);
  const dy = f32(a[1] - b[1]);
  return [f32(b[0] - dy), f32(b[1] + dx)];
}

/** Applies a 2x3 matrix to (x, y) in float64: `m00·x + m01·y + m02`, `m10·x + m11·y + m12`. */
export function applyAffine(m: Affine2x3, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/**
 * `transform_preds`: heatmap coordinates of one instance back to the image, with the
 * inverse matrix built for the *heatmap* size; float32 results.
 * `coords` is [K, 2] row-major, read from `offset`; the result is written to `out` at the same layout.
 */
export function transformPreds(
  coords: ArrayLike<number>,
  numKeypoints: number,
  center: readonly number[],
  scale: readonly number[],
  heatmapSize: SizeWH,
  out: Float32Array,
  inOffset = 0,
  outOffset = 0,
): void {
  const t = getAffineTransform(center, scale, heatmapSize, { inv: true, dtype: 'float32' });
  for (let k = 0; k < numKeypoints; k++) {
    const x = coords[inOffset + 2 * k];
    const y = coords[inOffset + 2 * k + 1];
    out[outOffset + 2 * k] = t[0] * x + t[1] * y + t[2];
    out[outOffset + 2 * k + 1] = t[3] * x + t[4] * y + t[5];
  }
}
