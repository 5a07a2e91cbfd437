import { PosePortError } from '../../core/errors.js';
import { shapeString, type TensorSet } from '../../core/tensor.js';
import type { Graph } from '../../ir/graph.js';
import type { Value } from '../../ir/types.js';

/**
 * Hands checkpoint tensors to a builder by their real names, checking shapes, and
 * records what was consumed: every tensor must be taken exactly once
 * (`num_batches_tracked` excepted), which `finish()` checks.
 */
export class ParamReader {
  private readonly consumed = new Set<string>();
  /** constants already created, so a shared read returns the same value */
  private readonly values = new Map<string, Value>();

  constructor(
    readonly graph: Graph,
    readonly tensors: TensorSet,
    /** family/preset name for messages, e.g. 'rsn50' */
    readonly archName: string,
  ) {}

  has(key: string): boolean {
    return this.tensors.has(key);
  }

  /**
   * The constant for `key`, checked against `shape` (null = any size in that dim).
   * Throws KEY_MISSING (with the nearest keys) or SHAPE_MISMATCH.
   */
  take(key: string, shape?: readonly (number | null)[]): Value {
    const entry = this.tensors.get(key);
    if (!entry) throw this.missing(key);
    if (this.consumed.has(key))
      throw new PosePortError('GRAPH_INVALID', `checkpoint tensor '${key}' consumed twice while building '${this.archName}'`, { key });
    if (shape) {
      const ok = entry.shape.length === shape.length && shape.every((d, i) => d === null || d === entry.shape[i]);
      if (!ok)
        throw new PosePortError(
          'SHAPE_MISMATCH',
          `'${key}' has shape ${shapeString(entry.shape)}, arch '${this.archName}' expects ${shapeString(shape.map((d) => d ?? '?'))}`,
          { key, details: { actual: [...entry.shape], expected: [...shape] } },
        );
    }
    if (entry.dtype !== 'float32' && entry.dtype !== 'float16' && entry.dtype !== 'float64' && entry.dtype !== 'bfloat16')
      throw new PosePortError('TENSOR_DTYPE', `'${key}' has dtype ${entry.dtype}, expected a float tensor`, { key });
    this.consumed.add(key);
    const v = this.graph.addCheckpointConstant(entry);
    this.values.set(key, v);
    return v;
  }

  /** Shape of `key` without consuming it (for config inference), or KEY_MISSING. */
  shapeOf(key: string): readonly number[] {
    const entry = this.tensors.get(key);
    if (!entry) throw this.missing(key);
    return entry.shape;
  }

  /** Throws KEY_UNEXPECTED listing every tensor not consumed (num_batches_tracked excepted). */
  finish(): { consumed: number; ignored: string[] } {
    const ignored: string[] = [];
    const left: string[] = [];
    for (const e of this.tensors.entries) {
      if (this.consumed.has(e.name)) continue;
      if (e.name.endsWith('.num_batches_tracked')) ignored.push(e.name);
      else left.push(e.name);
    }
    if (left.length)
      throw new PosePortError(
        'KEY_UNEXPECTED',
        `${left.length} checkpoint tensor(s) not used by arch '${this.archName}': ${left.slice(0, 8).join(', ')}${left.length > 8 ? ', ...' : ''}`,
        { key: left[0], details: { unexpected: left } },
      );
    return { consumed: this.consumed.size, ignored };
  }

  private missing(key: string): PosePortError {
    const near = nearestKeys(key, this.tensors.entries.map((e) => e.name), 3);
    return new PosePortError(
      'KEY_MISSING',
      `missing '${key}' for arch '${this.archName}' (${this.tensors.entries.length} keys read; nearest ${near.map((k) => `'${k}'`).join(', ') || 'none'})`,
      { key, details: { nearest: near } },
    );
  }
}

/** The `n` keys sharing the longest prefix with `key` (cheap, good enough for messages). */
export function nearestKeys(key: string, keys: readonly string[], n: number): string[] {
  const common = (a: string, b: string) => {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return i;
  };
  return [...keys]
    .map((k) => [k, common(k, key)] as const)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([k]) => k);
}
