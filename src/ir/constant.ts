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

/** The checkpoint keys a constant's data comes from. */
export function constantSources(v: Value): readonly string[] {
  const c = v.constant;
  if (!c) return [];
  return c.kind === 'checkpoint' ? [c.entry.name] : c.from;
}
