import type { DType, TypedArrayOf } from './dtype.js';

/**
 * A named tensor whose bytes are read on demand. The checkpoint reader (src/pth)
 * produces these; the architecture builders (src/arch) consume them through this
 * interface only, so they never depend on the container format.
 */
export interface TensorEntry<D extends DType = DType> {
  /** state_dict key, after a leading `module.` was stripped */
  readonly name: string;
  readonly dtype: D;
  /** logical shape; [] for a 0-d scalar */
  readonly shape: readonly number[];
  /** element count (product of shape; 1 for 0-d) */
  readonly numel: number;
  /**
   * reads (and, for strided views, gathers) the elements in row-major order into a new
   * array the caller owns (it may modify it; the next call reads afresh)
   */
  data(): TypedArrayOf[D];
}

/** An ordered, name-addressable set of tensors (a state_dict). */
export interface TensorSet {
  /** in state_dict order */
  readonly entries: readonly TensorEntry[];
  get(name: string): TensorEntry | undefined;
  has(name: string): boolean;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** A TensorSet over in-memory entries (tests, derived weights). */
export function tensorSetOf(entries: readonly TensorEntry[]): TensorSet {
  const byName = new Map(entries.map((e) => [e.name, e] as const));
  return { entries, get: (n) => byName.get(n), has: (n) => byName.has(n) };
}
