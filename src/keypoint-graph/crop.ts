import type { Value } from '../ir/types.js';
import { samplePositions } from './crop-positions.js';
import type { Ops } from './ops.js';
import type { AffineFrame } from './settings.js';

/**
 * The top-down crop inside the graph: `cv2.warpAffine(image, M, (Wo, Ho), INTER_LINEAR)`
 * with a constant black border, in OpenCV's fixed point as src/eval/warp.ts reproduces
 * it (spec §3.2), for every box at once.
 *
 With rotation 0 the inverse map is separable (see AffineFrame): each column has one
 * source position X and each row one Y, in 1/32 px (src/keypoint-graph/crop-positions.ts:
 * OpenCV's float64 rounding reproduced in float32); `sx = X >> 5`, `fx = X & 31` (the same
 * for Y); the weights `(32−fx)(32−fy)·32`, ... sum to 32768 and
 * `out = (Σ p·w + 16384) >> 15`. Every one of these is an integer below 2^24, so float32
 * holds it exactly. Image coordinates must stay below 2^13 px.
 *
 * Pixels outside the image count as 0: the image is padded by one black pixel and each
 * of the four neighbours' coordinates is clamped into the padded frame, so a neighbour
 * outside lands on the black border. Returns `[N, Ho, Wo, 3]` float32 holding 0..255.
 */
export function cropImage(ops: Ops, image: Value, frame: AffineFrame, inputSize: readonly [number, number]): Value {
  const o = ops.in('crop');
  const [ho, wo] = inputSize;
  const f = (what: string, v: number) => o.scalar(what, v);
  const i64 = (what: string, v: number) => o.scalar(what, v, 'int64');

  // image size
  const size = o.shape(image, 'image_shape');
  const height = o.gather(size, i64('axis_h', 0), 0, 'H');
  const width = o.gather(size, i64('axis_w', 1), 0, 'W');
  const lastRow = o.add(o.cast(height, 'float32', 'H_float'), f('one_r', 1), 'last_padded_row');
  const lastCol = o.add(o.cast(width, 'float32', 'W_float'), f('one_c', 1), 'last_padded_col');
  const stride = o.add(width, i64('two', 2), 'padded_row_stride');

  // OpenCV's fixed-point sample positions per box
  const { sx, sy, fx, fy } = samplePositions(o, frame, inputSize);
  const k32 = f('INTER_TAB_SIZE', 32);

  // neighbour coordinates in the padded image (index 0 and W+1 are the black border)
  const zero = f('zero', 0);
  const clampTo = (v: Value, last: Value, what: string) => o.cast(o.min(o.max(v, zero), last), 'int64', what);
  const c0 = o.reshape(clampTo(o.add(sx, f('c0_off', 1)), lastCol, 'c0'), [-1, 1, wo], 'c0_cols');
  const c1 = o.reshape(clampTo(o.add(sx, f('c1_off', 2)), lastCol, 'c1'), [-1, 1, wo], 'c1_cols');
  const r0 = o.reshape(o.mul(clampTo(o.add(sy, f('r0_off', 1)), lastRow, 'r0'), stride, 'r0_offset'), [-1, ho, 1], 'r0_rows');
  const r1 = o.reshape(o.mul(clampTo(o.add(sy, f('r1_off', 2)), lastRow, 'r1'), stride, 'r1_offset'), [-1, ho, 1], 'r1_rows');

  const padded = o.pad(image, [1, 1, 0, 1, 1, 0], 0, 'padded_image');
  const pixels = o.reshape(padded, [-1, 3], 'pixels');
  const tap = (r: Value, c: Value, what: string) => o.cast(o.gather(pixels, o.add(r, c, `${what}_index`), 0, what), 'float32', `${what}_float`);
  const v00 = tap(r0, c0, 'p00');
  const v01 = tap(r0, c1, 'p01');
  const v10 = tap(r1, c0, 'p10');
  const v11 = tap(r1, c1, 'p11');

  // integer weights [N, Ho, Wo, 1]
  const fxc = o.reshape(fx, [-1, 1, wo, 1], 'fx_cols');
  const fyr = o.reshape(fy, [-1, ho, 1, 1], 'fy_rows');
  const gx = o.sub(k32, fxc, 'one_minus_fx');
  const gy = o.sub(k32, fyr, 'one_minus_fy');
  const w00 = o.mul(o.mul(gx, gy), k32, 'w00');
  const w01 = o.mul(o.mul(fxc, gy), k32, 'w01');
  const w10 = o.mul(o.mul(gx, fyr), k32, 'w10');
  const w11 = o.mul(o.mul(fxc, fyr), k32, 'w11');
  let sum = o.add(o.mul(v00, w00), o.mul(v01, w01));
  sum = o.add(sum, o.mul(v10, w10));
  sum = o.add(sum, o.mul(v11, w11));
  sum = o.add(sum, f('round_half', 16384), 'sum');
  return o.unary('floor', o.mul(sum, f('inv_coef_scale', 1 / 32768)), 'pixels_u8');
}
