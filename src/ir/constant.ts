import { toFloat32 } from '../core/dtype.js';
import { assertNever } from '../core/assert.js';
import { PosePortError } from '../core/errors.js';
import type { Value } from './types.js';

/**
 * The float32 data of a constant, whatever its source: a checkpoint tensor is read
 * (and widened), a derived one computed now. Not cached: callers that need it twice
 * keep the result. READ-ONLY (see TensorEntry.data): a checkpoint tensor's data may be
 * the checkpoint's memory and computed data is shared; a pass that derives a weight
 * allocates the result.
 */
export function constantData(v: Value): Float32Array {
  const c = v.constant;
  if (!c) throw new PosePortError('GRAPH_INVALID', `'${v.name}' is not a constant`, { key: v.name });
  switch (c.kind) {
    case 'checkpoint':
      return toFloat32(c.entry.dtype, c.entry.data());
    case 'computed':
      return c.data;
    case 'derived':
      return c.compute();
    default:
      return assertNever(c);
  }
}

/**
 * Elements [start, start + out.length) of constantData(v) written into `out` (memory the
 * caller owns): a float32 checkpoint tensor is read straight into it, a derived one
 * computed into it where its pass can; anything else is computed whole and copied in.
 */
export function constantDataInto(v: Value, out: Float32Array, start = 0): void {
  const c = v.constant;
  if (!c) throw new PosePortError('GRAPH_INVALID', `'${v.name}' is not a constant`, { key: v.name });
  if (c.kind === 'checkpoint' && c.entry.dtype === 'float32' && c.entry.readRangeInto)
    c.entry.readRangeInto(start * 4, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  else if (c.kind === 'derived' && c.computeInto) c.computeInto(out, start);
  else {
    const data = constantData(v);
    if (start + out.length > data.length)
      throw new PosePortError('EMIT_FORMAT', `constant '${v.name}' holds ${data.length} elements, not ${start}+${out.length}`, { key: v.name });
    out.set(data.subarray(start, start + out.length));
  }
}

/** The checkpoint keys a constant's data comes from. */
export function constantSources(v: Value): readonly string[] {
  const c = v.constant;
  if (!c) return [];
  return c.kind === 'checkpoint' ? [c.entry.name] : c.from;
}
