import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';

/**
 * `_get_max_preds` (spec §6.1) on `[N, K, h, w]` heatmaps, and reading a map at each
 * channel's peak. A value is read by a one-hot mask of the peak and a sum over the
 * plane (exact: one term and zeros), which every runtime executes alike, instead of a
 * batched gather (absent from ONNX opset 11 and TF.js alike).
 */
export interface Peaks {
  /** [N, K] float32 heatmap column and row of the first maximum; -1 unless the maximum is > 0 */
  readonly px: Value;
  readonly py: Value;
  /** [N, K] the maximum */
  readonly maxval: Value;
  /** [N, K, h·w] bool, true at the first maximum */
  readonly onehot: Value;
  readonly size: readonly [number, number, number];
}

export function findPeaks(ops: Ops, heatmaps: Value): Peaks {
  const o = ops.in('peaks');
  const [, k, h, w] = heatmaps.shape as [unknown, number, number, number];
  const flat = o.reshape(heatmaps, [-1, k, h * w], 'flat');
  const maxval = o.reduce('max', flat, [2], false, 'maxval');
  // the first maximum's index as the largest -i where the map equals its maximum: float32
  // (exact below 2^24) and reductions only, no ArgMax: TF.js wasm's ArgMax returned an
  // index past the plane (1826 of 768) for one channel of a 4000x3000 image's batch
  const isMax = o.compare('equal', flat, o.reshape(maxval, [-1, k, 1], 'maxval_col'), 'is_max');
  const negIota = o.constant('minus_plane_index', [h * w], Array.from({ length: h * w }, (_, i) => -i));
  const firstNeg = o.reduce('max', o.where(isMax, negIota, o.scalar('not_max', -h * w), 'max_at'), [2], false, 'first_max');
  const indexF = o.unary('neg', firstNeg, 'index');
  const row = o.unary('floor', o.div(indexF, o.scalar('w', w)), 'row');
  const col = o.sub(indexF, o.mul(row, o.scalar('w_', w)), 'col');
  const positive = o.compare('greater', maxval, o.scalar('zero', 0), 'positive');
  const none = o.scalar('none', -1);
  const iota = o.constant('plane_index', [h * w], Array.from({ length: h * w }, (_, i) => i));
  const onehot = o.compare('equal', o.reshape(indexF, [-1, k, 1], 'index_col'), iota, 'onehot');
  return { px: o.where(positive, col, none, 'px'), py: o.where(positive, row, none, 'py'), maxval, onehot, size: [k, h, w] };
}

/** `map[y + dy][x + dx]` as a map `[N, K, h, w]` (0 outside), for |dy|, |dx| <= 2. */
export function shifted(ops: Ops, map: Value, dy: number, dx: number): Value {
  const o = ops.in('shift');
  const [, , h, w] = map.shape as [unknown, number, number, number];
  const padded = o.pad(map, [0, 0, Math.max(0, -dy), Math.max(0, -dx), 0, 0, Math.max(0, dy), Math.max(0, dx)], 0, 'padded');
  const rows = o.slice(padded, 2, Math.max(0, dy), Math.max(0, dy) + h, 'rows');
  return o.slice(rows, 3, Math.max(0, dx), Math.max(0, dx) + w, 'cols');
}

/** `map` `[N, K, h, w]` at each channel's peak -> `[N, K]` (0 where the plane had no peak inside). */
export function atPeak(ops: Ops, map: Value, peaks: Peaks, what: string): Value {
  const o = ops.in(`at_peak/${what}`);
  const [k, h, w] = peaks.size;
  const flat = o.reshape(map, [-1, k, h * w], 'flat');
  return o.reduce('sum', o.where(peaks.onehot, flat, o.scalar('zero', 0), 'masked'), [2], false, 'value');
}

/** `lo < v < hi` for `[N, K]` float32 coordinates */
export function strictlyBetween(ops: Ops, v: Value, lo: number, hi: number, what: string): Value {
  return ops.and(ops.compare('greater', v, ops.scalar(`${what}_lo`, lo)), ops.compare('less', v, ops.scalar(`${what}_hi`, hi)), what);
}
