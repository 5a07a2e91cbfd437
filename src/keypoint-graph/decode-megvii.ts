import type { Value } from '../ir/types.js';
import { quarterStep, type Decoded } from './decode-default.js';
import { modulate } from './modulate.js';
import type { Ops } from './ops.js';
import { findPeaks } from './peaks.js';

/**
 * 'megvii' (MSPN/RSN, spec §6.4): modulate every channel first; argmax, maxima and the
 * quarter step on the modulated maps, +0.5 inside the step's condition; scores
 * `f32(f32(max / 255) + 0.5)`.
 */
export function decodeMegvii(ops: Ops, heatmaps: Value, kernel: number): Decoded {
  const o = ops.in('decode_megvii');
  const maps = modulate(o, heatmaps, kernel);
  const peaks = findPeaks(o, maps);
  const { px, py } = quarterStep(o, maps, peaks, 0.5);
  const score = o.add(o.div(peaks.maxval, o.scalar('k255', 255)), o.scalar('half', 0.5), 'score');
  return { px, py, score };
}
