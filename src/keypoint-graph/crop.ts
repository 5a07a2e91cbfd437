import type { Value } from '../ir/types.js';
import { samplePositions } from './crop-positions.js';
import type { Ops } from './ops.js';
import type { AffineFrame } from './settings.js';

/**
 * The top-down crop inside the graph: `cv2.warpAffine(image, M, (Wo, Ho), INTER_LINEAR)`
 * with a constant black border, in OpenCV's fixed point as src/eval/warp.ts reproduces
 * it (spec §3.2), for every box at once.
 *
 * With rotation 0 the inverse map is separable (see AffineFrame): each column has one
 * source position X and each row one Y, in 1/32 px (src/keypoint-graph/crop-positions.ts:
 * OpenCV's float64 rounding reproduced in float32); `sx = X >> 5`, `fx = X & 31` (the same
 * for Y); the weights `(32−fx)(32−fy)·32`, ... sum to 32768 and
 * `out = (Σ p·w + 16384) >> 15`. Every one of these is an integer below 2^24, so float32
 * holds it exactly. Image coordinates must stay below 2^14 px.
 *
 * Pixels outside the image count as 0 (OpenCV's constant black border): each of the four
 * neighbours' coordinates is clamped into the image for the lookup, and its weight factor
 * is zeroed where the clamp moved it, so its (finite) pixel enters the sum as `p·0 = 0`,
 * the same term a black border pixel gives. Returns `[N, Ho, Wo, 3]` float32 holding 0..255.
 *
 * For onnxruntime-web's WebGPU EP (docs/browser-backends.md), which has no int64
 * arithmetic and no uint8 Pad: the pixel indices are int32 (`row·W + col`, exact below
 * 2^31 pixels), the image is read where it lies (no padded copy, uint8 Reshape and Gather
 * run there) and only the gathered taps are cast to float. The image's size is counted on
 * the image (see below), not read with Shape, whose int64 output and every scalar computed
 * from it alone onnxruntime keeps on its CPU EP. The image needs a pixel to look up: H, W >= 1.
 */
export function cropImage(ops: Ops, image: Value, frame: AffineFrame, inputSize: readonly [number, number]): Value {
  const o = ops.in('crop');
  const [ho, wo] = inputSize;
  const f = (what: string, v: number) => o.scalar(what, v);
  const i64 = (what: string, v: number) => o.scalar(what, v, 'int64');

  // image size: counted along the first column and the first row (H and W float32, exact
  // below 2^24), not read by Shape, whose int64 output onnxruntime computes on its CPU EP
  const first = i64('first', 0);
  const extent = (axis: number, what: string) => {
    const line = o.gather(o.gather(image, first, 1 - axis, `${what}_line`), first, 1, `${what}_line_red`);
    const ones = o.add(o.mul(o.cast(line, 'float32', `${what}_line_float`), f(`${what}_zero`, 0)), f(`${what}_one`, 1), `${what}_ones`);
    return o.reduce('sum', ones, [0], false, what);
  };
  const height = extent(0, 'H');
  const width = extent(1, 'W');
  const lastRow = o.sub(height, f('one_r', 1), 'last_row');
  const lastCol = o.sub(width, f('one_c', 1), 'last_col');
  const stride = o.cast(width, 'int32', 'row_stride');

  // OpenCV's fixed-point sample positions per box
  const { sx, sy, fx, fy } = samplePositions(o, frame, inputSize);
  const k32 = f('INTER_TAB_SIZE', 32);

  // the neighbours' coordinates clamped into the image (int32), and whether they were inside
  const zero = f('zero', 0);
  // A position that is NaN (a NaN or infinite box) stays NaN through Min/Max on onnxruntime,
  // and its int32 cast is out of any image: the lookup would fail the whole call. It reads
  // pixel 0 instead, weighted 0 (NaN equals nothing), so only that box's outputs are NaN.
  const tapAt = (v: Value, last: Value, what: string) => {
    const clamped = o.min(o.max(v, zero), last, `${what}_clamped`);
    const defined = o.where(o.compare('equal', clamped, clamped, `${what}_defined`), clamped, zero, `${what}_or_zero`);
    return { index: o.cast(defined, 'int32', what), inside: o.compare('equal', clamped, v, `${what}_inside`) };
  };
  const c0 = tapAt(sx, lastCol, 'c0');
  const c1 = tapAt(o.add(sx, f('c1_off', 1)), lastCol, 'c1');
  const r0 = tapAt(sy, lastRow, 'r0');
  const r1 = tapAt(o.add(sy, f('r1_off', 1)), lastRow, 'r1');
  const c0Cols = o.reshape(c0.index, [-1, 1, wo], 'c0_cols');
  const c1Cols = o.reshape(c1.index, [-1, 1, wo], 'c1_cols');
  const r0Rows = o.reshape(o.mul(r0.index, stride, 'r0_offset'), [-1, ho, 1], 'r0_rows');
  const r1Rows = o.reshape(o.mul(r1.index, stride, 'r1_offset'), [-1, ho, 1], 'r1_rows');

  const pixels = o.reshape(image, [-1, 3], 'pixels');
  const tap = (r: Value, c: Value, what: string) => o.cast(o.gather(pixels, o.add(r, c, `${what}_index`), 0, what), 'float32', `${what}_float`);
  const v00 = tap(r0Rows, c0Cols, 'p00');
  const v01 = tap(r0Rows, c1Cols, 'p01');
  const v10 = tap(r1Rows, c0Cols, 'p10');
  const v11 = tap(r1Rows, c1Cols, 'p11');

  // integer weights [N, Ho, Wo, 1]; a neighbour outside the image weighs 0
  const factor = (inside: Value, v: Value, shape: number[], what: string) => o.reshape(o.where(inside, v, zero, `${what}_masked`), shape, what);
  const gx = factor(c0.inside, o.sub(k32, fx, 'one_minus_fx_all'), [-1, 1, wo, 1], 'one_minus_fx');
  const fxc = factor(c1.inside, fx, [-1, 1, wo, 1], 'fx_cols');
  const gy = factor(r0.inside, o.sub(k32, fy, 'one_minus_fy_all'), [-1, ho, 1, 1], 'one_minus_fy');
  const fyr = factor(r1.inside, fy, [-1, ho, 1, 1], 'fy_rows');
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
