/**
 * `eval --shard i/n`: a deterministic slice of an evaluation, so one evaluation can be
 * spread over machines (a Kubernetes indexed Job, a CI matrix, a SLURM array) and merged
 * by `score a.json b.json ...`.
 *
 * The slice is by image, never by person: OKS-NMS and rescoring work per image, so the
 * results of an image depend on all of its persons, and the union of the shards' results
 * files equals the whole run's. The images are numbered in the order their first person
 * appears (the annotation file's order for GT boxes, the detection file's order with
 * `--dets`), and shard i of n takes the contiguous block of images k with
 * floor(k * n / D) = i (D images). Every image belongs to exactly one shard; bbox ids stay
 * those of the whole run.
 */
import type { PersonEntry } from '../eval/persons.js';

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** The persons of shard `s`, in their order, and the image ids it holds. */
export function selectShard(persons: readonly PersonEntry[], s: Shard): { persons: PersonEntry[]; imageIds: Set<number> } {
  const order = new Map<number, number>();
  for (const p of persons) if (!order.has(p.imageId)) order.set(p.imageId, order.size);
  const D = order.size;
  const mine = (imageId: number) => Math.floor((order.get(imageId)! * s.count) / D) === s.index;
  const imageIds = new Set<number>();
  for (const id of order.keys()) if (mine(id)) imageIds.add(id);
  return { persons: persons.filter((p) => imageIds.has(p.imageId)), imageIds };
}
