/**
 * Reading an architecture off a state_dict's key set and shapes (detection), without
 * consuming anything: child indices of a `Sequential`/`ModuleList`, and layer widths
 * voted over the tensors of one layer so that a single mis-shaped tensor does not
 * change the inferred config (the builder then names that tensor).
 */
import { PosePortError } from '../../core/errors.js';
import type { TensorSet } from '../../core/tensor.js';

/** Sorted numeric child indices `i` of keys `${prefix}.<i>...` (gaps kept out). */
export function childIndices(tensors: TensorSet, prefix: string): number[] {
  const seen = new Set<number>();
  const start = `${prefix}.`;
  for (const e of tensors.entries) {
    if (!e.name.startsWith(start)) continue;
    const rest = e.name.slice(start.length);
    const dot = rest.indexOf('.');
    const head = dot < 0 ? rest : rest.slice(0, dot);
    if (/^\d+$/.test(head)) seen.add(Number(head));
  }
  return [...seen].sort((a, b) => a - b);
}

/** One more than the largest child index under `prefix` (0 when there is none). */
export function childCount(tensors: TensorSet, prefix: string): number {
  const idx = childIndices(tensors, prefix);
  return idx.length ? idx[idx.length - 1] + 1 : 0;
}

/** Whether any key starts with `${prefix}.` */
export function hasPrefix(tensors: TensorSet, prefix: string): boolean {
  const start = `${prefix}.`;
  return tensors.entries.some((e) => e.name.startsWith(start));
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
