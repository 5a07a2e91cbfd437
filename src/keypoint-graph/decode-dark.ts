import type { Value } from '../ir/types.js';
import type { Decoded } from './decode-default.js';
import { modulate } from './modulate.js';
import type { Ops } from './ops.js';
import { atPeak, findPeaks, shifted, strictlyBetween } from './peaks.js';

/**
 * DARK ('unbiased', spec §6.3): argmax and maxima on the raw maps; `L = log(max(
 * modulate(maps), f32(1e-10)))`; where `1 < px < w−2` and `1 < py < h−2` and the Hessian
 * of L at the peak is regular, the Taylor step `−H⁻¹·∇L`. The reference takes some of
 * these sums in float64 (numpy-1 promotion) and inverts H by LU; here all is float32
 * with the closed-form 2x2 inverse, which differs in the last bits of the offset.
 */
export function decodeDark(ops: Ops, heatmaps: Value, kernel: number): Decoded {
  const o = ops.in('decode_dark');
  const peaks = findPeaks(o, heatmaps);
  const [, h, w] = peaks.size;
  const L = o.unary('log', o.max(modulate(o, heatmaps, kernel), o.scalar('floor', Math.fround(1e-10))), 'log');
  const at = (dy: number, dx: number) => shifted(o, L, dy, dx);
  const half = o.scalar('half', 0.5);
  const quarter = o.scalar('quarter', 0.25);
  const dxMap = o.mul(o.sub(at(0, 1), at(0, -1)), half, 'dx_map');
  const dyMap = o.mul(o.sub(at(1, 0), at(-1, 0)), half, 'dy_map');
  // numpy sums (L[x+2] − 2·L[x]) + L[x−2] in float64; the float32 differences of
  // neighbouring log values are exact (Sterbenz), so their one float32 sum matches it
  // to a rounding of the (small) result instead of one of |L|
  const dxxMap = o.mul(o.add(o.sub(at(0, 2), L), o.sub(at(0, -2), L)), quarter, 'dxx_map');
  const dyyMap = o.mul(o.add(o.sub(at(2, 0), L), o.sub(at(-2, 0), L)), quarter, 'dyy_map');
  const dxyMap = o.mul(o.add(o.sub(o.sub(at(1, 1), at(-1, 1)), at(1, -1)), at(-1, -1)), quarter, 'dxy_map');
  const dx = atPeak(o, dxMap, peaks, 'dx');
  const dy = atPeak(o, dyMap, peaks, 'dy');
  const dxx = atPeak(o, dxxMap, peaks, 'dxx');
  const dyy = atPeak(o, dyyMap, peaks, 'dyy');
  const dxy = atPeak(o, dxyMap, peaks, 'dxy');
  const det = o.sub(o.mul(dxx, dyy), o.mul(dxy, dxy), 'det');
  const regular = o.unary('not', o.compare('equal', det, o.scalar('zero', 0)), 'regular');
  const inside = o.and(strictlyBetween(o, peaks.px, 1, w - 2, 'x_inside'), strictlyBetween(o, peaks.py, 1, h - 2, 'y_inside'));
  const apply = o.and(inside, regular, 'apply');
  // offset = −H⁻¹·∇ = −[dyy·dx − dxy·dy, dxx·dy − dxy·dx] / det
  const ox = o.div(o.sub(o.mul(dxy, dy), o.mul(dyy, dx)), det, 'offset_x');
  const oy = o.div(o.sub(o.mul(dxy, dx), o.mul(dxx, dy)), det, 'offset_y');
  return {
    px: o.where(apply, o.add(peaks.px, ox), peaks.px, 'px'),
    py: o.where(apply, o.add(peaks.py, oy), peaks.py, 'py'),
    score: peaks.maxval,
  };
}
