import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';
import type { AffineFrame } from './settings.js';

/**
 * `transform_preds` (spec §6.6): heatmap coordinates `[N, K]` to image pixels through the
 * matrix `get_affine_transform(..., (w, h), inv=True)` solves, i.e. x -> `u + x·2e/w`,
 * y -> `t + (y − (h − w)/2)·2d/w` (see AffineFrame), in float32. Returns `[N, K, 2]`.
 */
export function toImage(ops: Ops, px: Value, py: Value, frame: AffineFrame, heatmapSize: readonly [number, number]): Value {
  const o = ops.in('to_image');
  const [h, w] = heatmapSize;
  const k = px.shape[1] as number;
  const two = o.scalar('two', 2);
  const sx = o.div(o.mul(frame.e, two), o.scalar('w', w), 'scale_x');
  const sy = o.div(o.mul(frame.d, two), o.scalar('w_y', w), 'scale_y');
  const x = o.add(frame.u, o.mul(px, sx), 'x');
  const y = o.add(frame.t, o.mul(o.sub(py, o.scalar('row_offset', (h - w) / 2)), sy), 'y');
  return o.concat([o.reshape(x, [-1, k, 1], 'x_col'), o.reshape(y, [-1, k, 1], 'y_col')], 2, 'keypoints');
}
