/**
 * The heatmap modulation of DARK and megvii decoding: MMPose's `_gaussian_blur`, i.e.
 * `cv2.GaussianBlur(zero-padded channel, (k, k), 0)` cropped back and rescaled to the
 * original maximum (spec §6.3 step 2, §6.5).
 *
 * The convolution is separable and float32, emulating OpenCV's SIMD filter order: the
 * row pass accumulates `s = fma(x[k], kx[k], s)` for k = 0..K-1 (kernels wider than 5) or
 * the symmetric small-kernel form (5 and 3); the column pass starts at the centre tap and
 * adds `fma(x[+k] + x[-k], ky[k], s)` outwards. Fused multiply-adds are emulated in
 * float64 (exact product, one rounding of the sum, then to float32), which agrees with
 * hardware FMA except in rare double-rounding ties. OpenCV builds differ from each other
 * by about 1 ULP here anyway (spec §6.5).
 */
const f32 = Math.fround;

/** float32 fused multiply-add emulation: a·b is exact in float64 for float32 a, b. */
function fma32(a: number, b: number, c: number): number {
  return f32(a * b + c);
}

const SMALL_TABLES: Record<number, readonly number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
  7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
};

/**
 * `cv2.getGaussianKernel(ksize, 0, CV_32F)`: the fixed binomial tables for 1..7, otherwise
 * σ = 0.15·k + 0.35 (= 0.3·((k−1)/2 − 1) + 0.8), sampled, normalised, rounded to float32.
 */
export function gaussianKernel(ksize: number): Float32Array {
  if (!Number.isInteger(ksize) || ksize < 1 || ksize % 2 !== 1) {
    throw new RangeError(`Gaussian kernel size must be a positive odd integer, got ${ksize}`);
  }
  const table = SMALL_TABLES[ksize];
  if (table) return Float32Array.from(table);
  const sigma = ksize * 0.15 + 0.35;
  const scale2 = -0.125 / (sigma * sigma);
  const half = (ksize - 1) / 2;
  const values: number[] = [];
  let sum = 0;
  for (let i = 0, x = 1 - ksize; i < half; i++, x += 2) {
    const t = Math.exp(x * x * scale2);
    values.push(t);
    sum += t;
  }
  sum *= 2;
  sum += 1;
  const mul = 1 / sum;
  const k = new Float32Array(ksize);
  for (let i = 0; i < half; i++) {
    k[i] = values[i] * mul;
    k[ksize - 1 - i] = k[i];
  }
  k[half] = mul;
  return k;
}

/**
 * Zero-padded separable Gaussian convolution of one H×W float32 channel (read at
 * `offset` in `src`), result written to `dst` at `dstOffset`.
 */
export function gaussianConvolveZeroPad(
  src: Float32Array,
  offset: number,
  h: number,
  w: number,
  kernel: Float32Array,
  dst: Float32Array,
  dstOffset: number,
  scratch?: Float32Array,
): void {
  const ks = kernel.length;
  const r = (ks - 1) >> 1;
  // row pass over the H interior rows, all W interior columns (padding rows stay 0)
  const tmp = scratch && scratch.length >= h * w ? scratch : new Float32Array(h * w);
  const small = ks <= 5;
  for (let y = 0; y < h; y++) {
    const row = offset + y * w;
    for (let x = 0; x < w; x++) {
      let s: number;
      if (small) {
        const c = x;
        s = f32(src[row + c] * kernel[r]);
        for (let k = 1; k <= r; k++) {
          const a = c - k >= 0 ? src[row + c - k] : 0;
          const b = c + k < w ? src[row + c + k] : 0;
          s = fma32(f32(b + a), kernel[r + k], s);
        }
      } else {
        s = 0;
        for (let k = 0; k < ks; k++) {
          const xi = x - r + k;
          const v = xi >= 0 && xi < w ? src[row + xi] : 0;
          s = fma32(v, kernel[k], s);
        }
      }
      tmp[y * w + x] = s;
    }
  }
  // column pass: centre first, then symmetric pairs outwards
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = fma32(tmp[y * w + x], kernel[r], 0);
      for (let k = 1; k <= r; k++) {
        const a = y + k < h ? tmp[(y + k) * w + x] : 0;
        const b = y - k >= 0 ? tmp[(y - k) * w + x] : 0;
        s = fma32(f32(a + b), kernel[r + k], s);
      }
      dst[dstOffset + y * w + x] = s;
    }
  }
}

/**
 * MMPose `_gaussian_blur(heatmaps, kernel)` in place on `[N, K, H, W]` float32:
 * blur each channel with zero padding, then multiply by `f32(origMax / blurredMax)`.
 * An all-zero channel becomes NaN (0/0), as in MMPose.
 */
export function modulateHeatmaps(heatmaps: Float32Array, n: number, k: number, h: number, w: number, ksize: number): void {
  const kernel = gaussianKernel(ksize);
  const plane = h * w;
  const scratch = new Float32Array(plane);
  const blurred = new Float32Array(plane);
  for (let c = 0; c < n * k; c++) {
    const off = c * plane;
    let origMax = -Infinity;
    let nan = false;
    for (let i = 0; i < plane; i++) {
      const v = heatmaps[off + i];
      if (v !== v) nan = true;
      else if (v > origMax) origMax = v;
    }
    if (nan) origMax = NaN;
    gaussianConvolveZeroPad(heatmaps, off, h, w, kernel, blurred, 0, scratch);
    let bMax = -Infinity;
    let bNan = false;
    for (let i = 0; i < plane; i++) {
      const v = blurred[i];
      if (v !== v) bNan = true;
      else if (v > bMax) bMax = v;
    }
    if (bNan) bMax = NaN;
    const factor = f32(origMax / bMax);
    for (let i = 0; i < plane; i++) heatmaps[off + i] = f32(blurred[i] * factor);
  }
}
