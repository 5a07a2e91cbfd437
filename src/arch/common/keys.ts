/**
 * Reading an architecture off a state_dict's key set and shapes (detection), without
 * consuming anything: child indices of a `Sequential`/`ModuleList`, and layer widths
 * voted over the tensors of one layer so that a single mis-shaped tensor does not
 * change the inferred config (the builder then names that tensor).
 */
import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';

/** Every key's dotted prefixes -> the child segments seen under them (built once per TensorSet). */
const INDEX = new WeakMap<TensorSet, Map<string, Set<string>>>();

function childrenOf(tensors: TensorSet, prefix: string): Set<string> | undefined {
  let index = INDEX.get(tensors);
  if (!index) {
    index = new Map();
    for (const e of tensors.entries) {
      const parts = e.name.split('.');
      let p = '';
      for (const part of parts) {
        let set = index.get(p);
        if (!set) index.set(p, (set = new Set()));
        set.add(part);
        p = p ? `${p}.${part}` : part;
      }
    }
    INDEX.set(tensors, index);
  }
  return index.get(prefix);
}

/** Sorted numeric child indices `i` of keys `${prefix}.<i>...` (gaps kept out). */
export function childIndices(tensors: TensorSet, prefix: string): number[] {
  return [...(childrenOf(tensors, prefix) ?? [])]
    .filter((c) => /^\d+$/.test(c))
    .map(Number)
    .sort((a, b) => a - b);
}

/** One more than the largest child index under `prefix` (0 when there is none). */
export function childCount(tensors: TensorSet, prefix: string): number {
  const idx = childIndices(tensors, prefix);
  return idx.length ? idx[idx.length - 1] + 1 : 0;
}

/** Whether any key starts with `${prefix}.` */
export function hasPrefix(tensors: TensorSet, prefix: string): boolean {
  return childrenOf(tensors, prefix) !== undefined;
}

/** Shape of `key`, or KEY_MISSING naming it (and what it was needed for). */
export function shapeOrMissing(tensors: TensorSet, key: string, why: string): readonly number[] {
  const e = tensors.get(key);
  if (!e) throw new PosePortError('KEY_MISSING', `missing '${key}' (needed to infer ${why})`, { key });
  return e.shape;
}

/**
 * The size most of the candidates `[key, dim]` agree on (ties: the earliest), over the
 * candidates present; KEY_MISSING naming the first candidate when none is present.
 */
export function voteDim(tensors: TensorSet, candidates: readonly (readonly [string, number])[], why: string): number {
  const counts = new Map<number, number>();
  for (const [key, dim] of candidates) {
    const e = tensors.get(key);
    if (!e || e.shape.length <= dim) continue;
    const d = e.shape[dim];
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  if (!counts.size) {
    const key = candidates[0][0];
    throw new PosePortError('KEY_MISSING', `missing '${key}' (needed to infer ${why})`, { key });
  }
  let best = -1;
  let bestN = 0;
  for (const [d, n] of counts) if (n > bestN) [best, bestN] = [d, n];
  return best;
}

/** Candidates for the output width of conv `convKey` followed by BN `bnKey`. */
export function convBnWidth(convKey: string, bnKey: string): [string, number][] {
  return [[`${convKey}.weight`, 0], ...['weight', 'bias', 'running_mean', 'running_var'].map((l) => [`${bnKey}.${l}`, 0] as [string, number])];
}
