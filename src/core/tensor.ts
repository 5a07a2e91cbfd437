import { PosePortError } from './errors.js';
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
   * the elements in row-major order. READ-ONLY: the array may be a view of memory the
   * tensor does not own (a checkpoint held in memory returns views of the caller's
   * buffer), so a caller that derives data allocates its own array. Each call reads
   * afresh; callers that need the data twice keep the result.
   */
  data(): TypedArrayOf[D];
  /**
   * Optional: bytes [byteOffset, byteOffset + target.length) of the elements (row-major,
   * little-endian) written into `target`, memory the caller owns; a checkpoint file reads
   * them there directly, so a writer that folds and streams weights in pieces allocates
   * nothing per tensor.
   */
  readRangeInto?(byteOffset: number, target: Uint8Array): void;
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

/** An ordered, name-addressable set of entries of one kind (a TensorSet keeping its entry type). */
export interface NamedSet<E extends TensorEntry> extends TensorSet {
  readonly entries: readonly E[];
  get(name: string): E | undefined;
}

/**
 * `set` with its entries renamed by `rename`, in the same order; entries it maps to null
 * are left out. A renamed entry is the original seen through a new `name` (the original
 * is its prototype), so every other field and method (a checkpoint tensor's file offset,
 * its stored name, data()) is the original's. Two entries given one name are an error
 * naming both.
 */
export function renameTensors<E extends TensorEntry>(set: { readonly entries: readonly E[] }, rename: (name: string) => string | null): NamedSet<E> {
  const entries: E[] = [];
  const byName = new Map<string, E>();
  const from = new Map<string, string>();
  for (const e of set.entries) {
    const name = rename(e.name);
    if (name === null) continue;
    if (byName.has(name))
      throw new PosePortError('KEY_UNEXPECTED', `'${from.get(name)}' and '${e.name}' both read as '${name}'`, { key: e.name });
    const r = name === e.name ? e : (Object.create(e, { name: { value: name, enumerable: true } }) as E);
    entries.push(r);
    byName.set(name, r);
    from.set(name, e.name);
  }
  Object.freeze(entries);
  return { entries, get: (n) => byName.get(n), has: (n) => byName.has(n) };
}
