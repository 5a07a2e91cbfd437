/**
 * Person box -> (center, scale) as MMPose v0.12 prepares it for the top-down crop
 * (spec §1.3, §1.4). `scale · 200` is the crop size in image pixels, padding included.
 */

const f32 = Math.fround;

/** Crop input size (width, height), as MMPose configs write `image_size`. */
export type SizeWH = readonly [number, number];

export interface CenterScale {
  /** [cx, cy] */
  center: [number, number];
  /** [sx, sy]; `sx · 200` is the crop width in pixels */
  scale: [number, number];
  /** 'float32' for COCO-style boxes, 'float64' for MPII's stored values */
  dtype: 'float32' | 'float64';
}

/**
 * Box values past this many pixels (2^24) are refused: float32, in which the crop and
 * the decoder hold centres and scales, no longer holds whole pixels there, and larger
 * values overflow to Infinity and NaN keypoints.
 */
export const MAX_BOX_COORD = 2 ** 24;

/** Why `v` is not a usable [x, y, w, h] box (four finite numbers within MAX_BOX_COORD), or undefined. */
export function boxProblem(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length < 4) return `must be [x, y, w, h], got ${JSON.stringify(v)}`;
  for (let k = 0; k < 4; k++) {
    const x: unknown = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) return `${'xywh'[k]} must be a finite number, got ${JSON.stringify(x)}`;
    if (Math.abs(x) > MAX_BOX_COORD) return `${'xywh'[k]} = ${x} is beyond ${MAX_BOX_COORD} pixels`;
  }
  return undefined;
}

/**
 * `TopDownCocoDataset._xywh2cs` in test mode: the centre rounded to float32, the box
 * widened or heightened to the input aspect ratio in float64, then `/200` rounded to
 * float32 and multiplied by float32(1.25) in float32. All returned values are float32.
 */
export function xywh2cs(x: number, y: number, w: number, h: number, imageSize: SizeWH, padding = 1.25): CenterScale {
  const aspect = imageSize[0] / imageSize[1];
  const center: [number, number] = [f32(x + w * 0.5), f32(y + h * 0.5)];
  if (w > aspect * h) h = (w * 1.0) / aspect;
  else if (w < aspect * h) w = h * aspect;
  const pad = f32(padding);
  const scale: [number, number] = [f32(f32(w / 200.0) * pad), f32(f32(h / 200.0) * pad)];
  return { center, scale, dtype: 'float32' };
}

/**
 * `TopDownMpiiDataset` test-mode centre and scale from the JSON `center` (1-based) and
 * `scale`, all in float64: `cy += 15·s` and `s *= 1.25` when `cx != -1`, then `center -= 1`.
 */
export function mpiiCenterScale(jsonCenter: readonly [number, number] | readonly number[], jsonScale: number): CenterScale {
  let cx = jsonCenter[0];
  let cy = jsonCenter[1];
  let s0 = jsonScale;
  let s1 = jsonScale;
  if (cx !== -1) {
    cy = cy + 15 * s1;
    s0 *= 1.25;
    s1 *= 1.25;
  }
  cx -= 1;
  cy -= 1;
  return { center: [cx, cy], scale: [s0, s1], dtype: 'float64' };
}

/**
 * The per-person `boxes` row MMPose's head returns (spec §6.7):
 * `[cx, cy, sx, sy, area, score]` in float32, area = `f32(f32(sx·200) · f32(sy·200))`.
 */
export function headBoxRow(center: readonly number[], scale: readonly number[], bboxScore: number): Float32Array {
  const cx = f32(center[0]);
  const cy = f32(center[1]);
  const sx = f32(scale[0]);
  const sy = f32(scale[1]);
  const area = f32(f32(sx * 200) * f32(sy * 200));
  return Float32Array.of(cx, cy, sx, sy, area, f32(bboxScore));
}
