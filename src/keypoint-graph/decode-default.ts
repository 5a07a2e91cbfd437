import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';
import { atPeak, findPeaks, shifted, strictlyBetween, type Peaks } from './peaks.js';

/** Heatmap coordinates `[N, K]` and scores `[N, K]` of a decoding, before the transform back to the image. */
export interface Decoded {
  readonly px: Value;
  readonly py: Value;
  readonly score: Value;
}

/**
 * The ±0.25 step towards the larger neighbour (spec §6.2) where `1 < px < w−1` and
 * `1 < py < h−1`; with `extra` (megvii) that offset is added inside the same condition too.
 */
export function quarterStep(ops: Ops, heatmaps: Value, peaks: Peaks, extra = 0): { px: Value; py: Value } {
  const o = ops.in('quarter_step');
  const [, h, w] = peaks.size;
  const inside = o.and(strictlyBetween(o, peaks.px, 1, w - 1, 'x_inside'), strictlyBetween(o, peaks.py, 1, h - 1, 'y_inside'), 'inside');
  const dx = atPeak(o, o.sub(shifted(o, heatmaps, 0, 1), shifted(o, heatmaps, 0, -1), 'dx_map'), peaks, 'dx');
  const dy = atPeak(o, o.sub(shifted(o, heatmaps, 1, 0), shifted(o, heatmaps, -1, 0), 'dy_map'), peaks, 'dy');
  const step = (p: Value, d: Value, axis: string) => {
    let v = o.add(p, o.scaledSign(d, 0.25, `sign_${axis}`), `stepped_${axis}`);
    if (extra !== 0) v = o.add(v, o.scalar(`extra_${axis}`, extra), `shifted_${axis}`);
    return o.where(inside, v, p, `p${axis}`);
  };
  return { px: step(peaks.px, dx, 'x'), py: step(peaks.py, dy, 'y') };
}

/** 'default' (spec §6.2): argmax, the quarter step on the same maps; scores are the maxima. */
export function decodeDefault(ops: Ops, heatmaps: Value): Decoded {
  const o = ops.in('decode_default');
  const peaks = findPeaks(o, heatmaps);
  const { px, py } = quarterStep(o, heatmaps, peaks);
  return { px, py, score: peaks.maxval };
}
