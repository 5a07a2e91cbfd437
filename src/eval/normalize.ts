/**
 * torchvision `to_tensor` + `normalize` as MMPose's `ToTensor` / `NormalizeTensor` apply
 * them (spec §3.3): HWC uint8 -> CHW float32, `v = f32(u/255)`, then
 * `f32(f32(v - mean_c) / std_c)` with float32 constants and a true division.
 */
import { PosePortError } from '../core/errors.js';
import type { ImageU8 } from '../core/image.js';

/** ImageNet mean and std in R, G, B order (every top-down config). */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/**
 * Returns the CHW float32 tensor of `img`. With `out`/`offset` it writes into a batch
 * buffer (e.g. `[N, 3, H, W]`) instead of allocating.
 */
export function toNormalizedTensor(
  img: ImageU8,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const { width: W, height: H, channels: C, data } = img;
  if (mean.length !== C || std.length !== C) {
    throw new PosePortError('IMAGE_FORMAT', `normalize: ${mean.length} means and ${std.length} stds for a ${C}-channel image`);
  }
  const plane = W * H;
  const dst = out ?? new Float32Array(C * plane);
  if (dst.length < offset + C * plane) {
    throw new PosePortError('SHAPE_MISMATCH', `normalize: output buffer holds ${dst.length} values, need ${offset + C * plane}`);
  }
  for (let c = 0; c < C; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    // 256-entry table: the result depends on the byte value only
    const lut = new Float32Array(256);
    for (let u = 0; u < 256; u++) lut[u] = Math.fround(Math.fround(Math.fround(u / 255) - m) / s);
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) dst[base + i] = lut[data[i * C + c]];
  }
  return dst;
}

/** Mirrors a `[N, C, H, W]` float32 tensor along W (`img.flip(3)` of the flip test). */
export function flipTensorWidth(t: Float32Array, shape: readonly [number, number, number, number]): Float32Array {
  const [n, c, h, w] = shape;
  if (t.length !== n * c * h * w) {
    throw new PosePortError('SHAPE_MISMATCH', `flip: tensor has ${t.length} values, shape [${shape.join(', ')}] needs ${n * c * h * w}`);
  }
  const out = new Float32Array(t.length);
  for (let row = 0; row < n * c * h; row++) {
    const base = row * w;
    for (let j = 0; j < w; j++) out[base + j] = t[base + w - 1 - j];
  }
  return out;
}
