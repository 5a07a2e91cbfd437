import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';

/**
 * The flip test (spec §4) as one network call on a doubled batch: the crops and their
 * mirror images `[2N, 3, Ho, Wo]` go in; `combineFlip` splits the heatmaps, flips the
 * second half back (pairs swapped, width reversed, optionally shifted one column right)
 * and averages in float32.
 */
export function mirrorBatch(ops: Ops, crops: Value): Value {
  const o = ops.in('flip');
  const w = crops.shape[3] as number;
  const reversed = o.constant('reversed_cols', [w], Array.from({ length: w }, (_, j) => w - 1 - j), 'int64');
  const mirrored = o.gather(crops, reversed, 3, 'mirrored_crops');
  return o.concat([crops, mirrored], 0, 'batch');
}

/** `[2N, K, h, w]` heatmaps of mirrorBatch's batch -> `f32(f32(A + flip_back(B)) · 0.5)` `[N, K, h, w]`. */
export function combineFlip(ops: Ops, heatmaps: Value, flipPairs: readonly (readonly [number, number])[], shift: boolean): Value {
  const o = ops.in('flip');
  const [, k, h, w] = heatmaps.shape as [unknown, number, number, number];
  const halves = o.reshape(heatmaps, [2, -1, k, h, w], 'halves');
  const plain = o.gather(halves, o.scalar('first', 0, 'int64'), 0, 'plain');
  const mirrored = o.gather(halves, o.scalar('second', 1, 'int64'), 0, 'mirrored');
  const channel = Array.from({ length: k }, (_, c) => c);
  for (const [l, r] of flipPairs) {
    channel[l] = r;
    channel[r] = l;
  }
  const swapped = o.gather(mirrored, o.constant('pair_channels', [k], channel, 'int64'), 1, 'pairs_swapped');
  // flip back along the width, then (shift_heatmap) new column j = old j-1, column 0 kept:
  // out[j] = in[w-1-j] unshifted; out[0] = in[w-1], out[j] = in[w-j] shifted
  const cols = Array.from({ length: w }, (_, j) => (shift ? (j === 0 ? w - 1 : w - j) : w - 1 - j));
  const back = o.gather(swapped, o.constant('back_cols', [w], cols, 'int64'), 3, 'flipped_back');
  return o.mul(o.add(plain, back, 'sum'), o.scalar('half', 0.5), 'average');
}
