import { toNormalizedTensor } from '../eval/normalize.js';
import type { Value } from '../ir/types.js';
import type { Ops } from './ops.js';

/**
 * `ToTensor` + `NormalizeTensor` (spec §3.3) of the crops `[N, Ho, Wo, 3]` (float32
 * holding 0..255) -> `[N, 3, Ho, Wo]`. The result depends on the byte and the channel
 * only, so it is a lookup in a 768-entry table computed by src/eval/normalize.ts itself:
 * bit-equal to the TypeScript pipeline on every runtime, whatever its division does.
 */
export function normalizeCrops(ops: Ops, crops: Value, mean: readonly number[], std: readonly number[]): Value {
  const o = ops.in('normalize');
  // the 256 byte values as a 256x1 RGB image: channel c of byte u lands at c*256 + u
  const ramp = new Uint8Array(256 * 3);
  for (let u = 0; u < 256; u++) ramp.fill(u, 3 * u, 3 * u + 3);
  const lut = toNormalizedTensor({ data: ramp, width: 256, height: 1, channels: 3 }, mean, std);
  const table = o.constant('table', [768], lut);
  const offset = o.constant('channel_offset', [3], [0, 256, 512]);
  const index = o.cast(o.add(crops, offset, 'table_index_float'), 'int32', 'table_index');
  const normalized = o.gather(table, index, 0, 'lookup');
  return o.transpose(normalized, [0, 3, 1, 2], 'to_nchw');
}
