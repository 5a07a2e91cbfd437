/**
 * Heatmap decoding as MMPose v0.12's `keypoints_from_heatmaps` (use_udp=False,
 * GaussianHeatMap; spec §6): argmax, the 'default' quarter-pixel step, DARK ('unbiased')
 * and 'megvii', then `transform_preds` back to the image.
 */
import { PosePortError } from '../core/errors.js';
import { transformPreds } from './affine.js';
import { modulateHeatmaps } from './gaussian.js';

const f32 = Math.fround;

export type DecodeMethod = 'default' | 'dark' | 'unbiased' | 'megvii';

export interface DecodeOptions {
  /** [N, K, H, W] */
  shape: readonly [number, number, number, number] | readonly number[];
  method: DecodeMethod;
  /** modulation kernel: DARK 11 (192x256) or 17 (288x384), megvii 5; unused by 'default' */
  kernel?: number;
  /** per instance [cx, cy], MMPose convention (stored as float32) */
  center: readonly (readonly number[])[];
  /** per instance [sx, sy], `sx·200` = crop width in pixels (stored as float32) */
  scale: readonly (readonly number[])[];
}

export interface DecodedKeypoints {
  /** [N, K, 2] image coordinates */
  keypoints: Float32Array;
  /** [N, K] keypoint scores (maxvals) */
  scores: Float32Array;
}

const DEFAULT_KERNEL: Record<'dark' | 'megvii', number> = { dark: 11, megvii: 5 };

/**
 * `_get_max_preds`: first maximum in row-major order (NaN wins, as numpy's argmax);
 * coordinates are -1 unless the maximum is > 0. Writes [x, y] to `coords` and the maximum to `maxvals`.
 */
export function argmaxHeatmaps(heatmaps: Float32Array, n: number, k: number, h: number, w: number, coords: Float32Array, maxvals: Float32Array): void {
  const plane = h * w;
  for (let c = 0; c < n * k; c++) {
    const off = c * plane;
    let idx = 0;
    let max = heatmaps[off];
    if (max === max) {
      for (let i = 1; i < plane; i++) {
        const v = heatmaps[off + i];
        if (v !== v) {
          idx = i;
          max = v;
          break;
        }
        if (v > max) {
          max = v;
          idx = i;
        }
      }
    }
    maxvals[c] = max;
    if (max > 0) {
      coords[2 * c] = idx % w;
      coords[2 * c + 1] = Math.floor(idx / w);
    } else {
      coords[2 * c] = -1;
      coords[2 * c + 1] = -1;
    }
  }
}

function sign(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : v; // sign(0) = 0, sign(NaN) = NaN
}

/** 'default' (and the step of 'megvii'): ±0.25 towards the larger neighbour when 1 < px < W-1 and 1 < py < H-1. */
function quarterStep(hm: Float32Array, off: number, h: number, w: number, coords: Float32Array, c: number, megvii: boolean): void {
  const px = Math.trunc(coords[2 * c]);
  const py = Math.trunc(coords[2 * c + 1]);
  if (1 < px && px < w - 1 && 1 < py && py < h - 1) {
    const dx = f32(hm[off + py * w + px + 1] - hm[off + py * w + px - 1]);
    const dy = f32(hm[off + (py + 1) * w + px] - hm[off + (py - 1) * w + px]);
    coords[2 * c] = f32(coords[2 * c] + f32(sign(dx) * 0.25));
    coords[2 * c + 1] = f32(coords[2 * c + 1] + f32(sign(dy) * 0.25));
    if (megvii) {
      coords[2 * c] = f32(coords[2 * c] + 0.5);
      coords[2 * c + 1] = f32(coords[2 * c + 1] + 0.5);
    }
  }
}

/**
 * DARK's `_taylor` on the log-modulated channel `L` at the integer argmax, with numpy-1
 * promotion (dx, dy, dxx, dyy float64 from float32 scalars; dxy summed in float32) and
 * the 2x2 Hessian inverted as LAPACK's LU (partial pivoting) does.
 */
function taylorStep(L: Float32Array, off: number, h: number, w: number, coords: Float32Array, c: number): void {
  const px = Math.trunc(coords[2 * c]);
  const py = Math.trunc(coords[2 * c + 1]);
  if (!(1 < px && px < w - 2 && 1 < py && py < h - 2)) return;
  const at = (yy: number, xx: number): number => L[off + yy * w + xx];
  const dx = 0.5 * f32(at(py, px + 1) - at(py, px - 1));
  const dy = 0.5 * f32(at(py + 1, px) - at(py - 1, px));
  const dxx = 0.25 * (at(py, px + 2) - 2 * at(py, px) + at(py, px - 2));
  const dxy = 0.25 * f32(f32(f32(at(py + 1, px + 1) - at(py - 1, px + 1)) - at(py + 1, px - 1)) + at(py - 1, px - 1));
  const dyy = 0.25 * (at(py + 2, px) - 2 * at(py, px) + at(py - 2, px));
  if (dxx * dyy - dxy ** 2 === 0) return;
  const inv = invert2x2(dxx, dxy, dxy, dyy);
  if (!inv) return;
  const ox = -inv[0] * dx + -inv[1] * dy;
  const oy = -inv[2] * dx + -inv[3] * dy;
  coords[2 * c] = f32(coords[2 * c] + ox);
  coords[2 * c + 1] = f32(coords[2 * c + 1] + oy);
}

/** inv([[a, b], [c, d]]) by LU with partial pivoting (as `np.linalg.inv` via LAPACK gesv); null when singular. */
function invert2x2(a: number, b: number, c: number, d: number): [number, number, number, number] | null {
  // rows after pivoting; perm tells which identity column each row holds
  let swap = false;
  let p = a;
  let q = b;
  let r = c;
  let s = d;
  if (Math.abs(c) > Math.abs(a)) {
    swap = true;
    p = c;
    q = d;
    r = a;
    s = b;
  }
  if (p === 0) return null;
  const l = r * (1 / p);
  const u = s - l * q;
  if (u === 0) return null;
  const ip = 1 / p;
  const iu = 1 / u;
  // solve for the columns of the identity, permuted: P·A = L·U
  const cols: number[] = [];
  for (let j = 0; j < 2; j++) {
    const e0 = j === 0 ? 1 : 0;
    const e1 = j === 1 ? 1 : 0;
    const b0 = swap ? e1 : e0;
    const b1 = swap ? e0 : e1;
    const y0 = b0;
    const y1 = b1 - l * y0;
    const x1 = y1 * iu;
    const x0 = (y0 - q * x1) * ip;
    cols.push(x0, x1);
  }
  // cols = [x00, x10, x01, x11] (column-major) -> row-major
  return [cols[0], cols[2], cols[1], cols[3]];
}

function checkOptions(heatmaps: Float32Array, options: DecodeOptions): [number, number, number, number] {
  const { shape } = options;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new PosePortError('SHAPE_MISMATCH', `decodeHeatmaps: shape must be [N, K, H, W] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const [n, k, h, w] = shape as [number, number, number, number];
  if (heatmaps.length !== n * k * h * w) {
    throw new PosePortError('SHAPE_MISMATCH', `decodeHeatmaps: ${heatmaps.length} values for shape [${n}, ${k}, ${h}, ${w}] (${n * k * h * w})`);
  }
  for (const [name, arr] of [['center', options.center], ['scale', options.scale]] as const) {
    if (!Array.isArray(arr) || arr.length !== n || !arr.every((p) => p && p.length >= 2)) {
      throw new PosePortError('SHAPE_MISMATCH', `decodeHeatmaps: ${name} must hold ${n} pairs [x, y], got ${Array.isArray(arr) ? arr.length : typeof arr}`);
    }
  }
  return [n, k, h, w];
}

/**
 * Decodes `[N, K, H, W]` heatmaps to image keypoints and scores, exactly as MMPose
 * v0.12's `keypoints_from_heatmaps` (see the spec for the exactness of each method).
 * `'unbiased'` is an alias of `'dark'`. The input array is not modified.
 */
export function decodeHeatmaps(heatmaps: Float32Array, options: DecodeOptions): DecodedKeypoints {
  const [n, k, h, w] = checkOptions(heatmaps, options);
  const method = options.method === 'unbiased' ? 'dark' : options.method;
  if (method !== 'default' && method !== 'dark' && method !== 'megvii') {
    throw new PosePortError('USAGE', `decodeHeatmaps: unknown method '${String(options.method)}' (default, dark, unbiased, megvii)`);
  }
  const kernel = options.kernel ?? (method === 'default' ? 11 : DEFAULT_KERNEL[method]);
  if (method !== 'default' && (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 !== 1)) {
    throw new PosePortError('USAGE', `decodeHeatmaps: kernel must be a positive odd integer, got ${kernel}`);
  }
  const plane = h * w;
  const coords = new Float32Array(n * k * 2);
  const maxvals = new Float32Array(n * k);

  let maps = heatmaps;
  if (method === 'megvii') {
    maps = heatmaps.slice();
    modulateHeatmaps(maps, n, k, h, w, kernel);
  }
  argmaxHeatmaps(maps, n, k, h, w, coords, maxvals);

  if (method === 'dark') {
    const L = heatmaps.slice();
    modulateHeatmaps(L, n, k, h, w, kernel);
    const floor = f32(1e-10);
    for (let i = 0; i < L.length; i++) {
      const v = L[i];
      // np.maximum propagates NaN
      L[i] = f32(Math.log(v !== v ? v : v > floor ? v : floor));
    }
    for (let c = 0; c < n * k; c++) taylorStep(L, c * plane, h, w, coords, c);
  } else {
    for (let c = 0; c < n * k; c++) quarterStep(maps, c * plane, h, w, coords, c, method === 'megvii');
  }

  const keypoints = new Float32Array(n * k * 2);
  for (let i = 0; i < n; i++) {
    transformPreds(coords, k, options.center[i], options.scale[i], [w, h], keypoints, i * k * 2, i * k * 2);
  }
  if (method === 'megvii') {
    for (let i = 0; i < maxvals.length; i++) maxvals[i] = f32(f32(maxvals[i] / 255.0) + 0.5);
  }
  return { keypoints, scores: maxvals };
}
