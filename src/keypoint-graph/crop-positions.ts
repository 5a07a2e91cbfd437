import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';
import type { AffineFrame } from './settings.js';

/**
 * The sample positions of the affine crop as OpenCV's `warpAffine` computes them in
 * float64 (src/eval/warp.ts), here in float32 arithmetic that is exact where it matters:
 * column x samples `X = (round(u·1024) + round(ax·x·1024) + 16) >> 5`, row y
 * `Y = (round((t + ay·(y − (Ho−Wo)/2))·1024) + 16) >> 5`, with `ax = 2e/Wo`, `ay = 2d/Wo`
 (AffineFrame), where OpenCV's matrix holds the exact `cx − u` and `cy − t` of the float32
 * points. Plain float32 (e and d rounded, `ax·x` rounded to 24 bits) is off by up to a few
 * hundredths of the 1/1024 unit, which moved a sample by 1/32 px in about half of the boxes
 * of a random set (a grey level or two in the crop). Here the half-widths are e + eLo,
 * each quotient is a float32 pair `hi + lo` (the remainder `2e − hi·Wo` is exact), each
 * product with a column or row number is split exactly (Dekker: the 12-bit halves of `hi`
 * times an integer below 2^12 are exact), sums are kept as a float32 and its exact error
 * (Knuth's two-sum), and only the small tail is rounded: the positions are OpenCV's except
 * where the float64 value lies within ~1e-7 of a half unit (about one sample in 10^7), or
 * exactly on it, where the float64 rounding of OpenCV's matrix decides.
 *
 * Needs IEEE float32 add, sub and mul, each rounded on its own (no fused multiply-add
 * across nodes), as every runtime here executes one node at a time. Crop sizes below 2^12,
 * image coordinates below 2^14 px (positions·1024 below 2^24, exact float32 integers).
 * Returns `[N, Wo]` for the columns and `[N, Ho]` for the rows: `sx`/`sy` the integer
 * source pixel, `fx`/`fy` its 1/32 fraction (0..31).
 */
export function samplePositions(ops: Ops, frame: AffineFrame, inputSize: readonly [number, number]): { sx: Value; sy: Value; fx: Value; fy: Value } {
  const o = ops.in(`${ops.scope}/positions`);
  const [ho, wo] = inputSize;
  const f = (what: string, v: number) => o.scalar(what, v);
  const two = f('two', 2);
  const k1024 = f('AB_SCALE', 1024);
  const k32 = f('INTER_TAB_SIZE', 32);
  const k16 = f('ROUND_DELTA', 16);
  const cols = o.constant('cols', [1, wo], Array.from({ length: wo }, (_, i) => i));
  const rows = o.constant('rows', [1, ho], Array.from({ length: ho }, (_, i) => i - (ho - wo) / 2));

  // columns: X0 + round(ax·x·1024); ax·x = p + pe + lo·x exactly up to lo's rounding
  const ax = quotient(o, o.mul(frame.e, two), o.mul(frame.eLo, two), wo, 'ax');
  const colProduct = exactProduct(o, ax.hi, cols, 'ax_x');
  const adelta = roundTail(o, o.mul(colProduct.p, k1024), o.mul(o.add(colProduct.e, o.mul(ax.lo, cols)), k1024), 'adelta');
  const x0 = o.add(o.roundHalfEven(o.mul(frame.u, k1024), 'X0_round'), k16, 'X0');
  const X = o.unary('floor', o.div(o.add(x0, adelta), k32), 'X');

  // rows: round((t + ay·r)·1024) with t·1024 + p·1024 as a two-sum
  const ay = quotient(o, o.mul(frame.d, two), o.mul(frame.dLo, two), wo, 'ay');
  const rowProduct = exactProduct(o, ay.hi, rows, 'ay_y');
  const T = o.mul(frame.t, k1024, 't_1024');
  const P = o.mul(rowProduct.p, k1024, 'p_1024');
  const s = o.add(T, P, 'row_sum');
  const bb = o.sub(s, T, 'row_sum_b');
  const se = o.add(o.sub(T, o.sub(s, bb)), o.sub(P, bb), 'row_sum_error');
  const tail = o.add(se, o.mul(o.add(rowProduct.e, o.mul(ay.lo, rows)), k1024), 'row_tail');
  const y0 = o.add(roundTail(o, s, tail, 'Y0_round'), k16, 'Y0');
  const Y = o.unary('floor', o.div(y0, k32), 'Y');

  const sx = o.unary('floor', o.div(X, k32), 'sx');
  const sy = o.unary('floor', o.div(Y, k32), 'sy');
  return { sx, sy, fx: o.sub(X, o.mul(sx, k32), 'fx'), fy: o.sub(Y, o.mul(sy, k32), 'fy') };
}

/** `(num + numLo) / d` (d a positive integer below 2^12) as `hi + lo`: `hi` the float32 quotient, `lo` from the exact remainder `num − hi·d` plus `numLo`. */
function quotient(o: Ops, num: Value, numLo: Value, d: number, what: string): { hi: Value; lo: Value } {
  const dv = o.scalar(`${what}_divisor`, d);
  const hi = o.div(num, dv, `${what}_hi`);
  const { p, e } = exactProduct(o, hi, dv, `${what}_hi_d`);
  return { hi, lo: o.div(o.add(o.sub(o.sub(num, p), e), numLo, `${what}_remainder`), dv, `${what}_lo`) };
}

/**
 * `a·b = p + e` exactly, for float32 `a` and a constant `b` of integers (or halves) below
 * 2^12: Veltkamp's split of `a` into 12-bit halves `a1 + a2`, whose products with `b` are
 * exact; `e = (a1·b − p) + a2·b` (Dekker).
 */
function exactProduct(o: Ops, a: Value, b: Value, what: string): { p: Value; e: Value } {
  const c = o.mul(a, o.scalar(`${what}_split`, 4097), `${what}_c`);
  const a1 = o.sub(c, o.sub(c, a), `${what}_a1`);
  const a2 = o.sub(a, a1, `${what}_a2`);
  const p = o.mul(a, b, `${what}_p`);
  return { p, e: o.add(o.sub(o.mul(a1, b), p), o.mul(a2, b), `${what}_e`) };
}

/**
 * cvRound (half to even) of `v + tail` for float32 `v` and a small `tail` (|tail| < 1):
 * `F = floor(v)` and its parity `m` are exact, the fraction `(v − F) + tail` is rounded
 * once near 1, and `F − m + round(m + fraction)` keeps the tie's parity.
 */
function roundTail(o: Ops, v: Value, tail: Value, what: string): Value {
  const r = o.in(`${o.scope}/${what}`);
  const F = r.unary('floor', v, 'floor');
  const m = r.sub(F, r.mul(r.unary('floor', r.mul(F, r.scalar('half', 0.5)), 'half_floor'), r.scalar('two', 2)), 'parity');
  const fraction = r.add(r.sub(v, F, 'fraction'), tail, 'fraction_tail');
  return o.add(r.sub(F, m, 'even_floor'), r.roundHalfEven(r.add(m, fraction, 'parity_fraction'), 'rounded'), what);
}
