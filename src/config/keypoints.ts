/**
 * Keypoint sets as MMPose configs name them: 0.x/1.x `dataset_info` in the config text
 * (keypoint_info {id: dict(name, swap, ...)}, skeleton_info {id: dict(link=(a, b))},
 * sigmas) and 1.x `meta['dataset_meta']` (parse_pose_metainfo's output: keypoint_id2name,
 * flip_pairs, skeleton_links, sigmas as a numpy array).
 */
import type { KeypointSet, Reader } from './settings.js';

/** From a dataset_info dict; undefined (with notes) when its keypoints cannot be read. */
export function keypointsFromDatasetInfo(r: Reader, path: string): KeypointSet | undefined {
  const info = r.dict(path);
  if (!info) return undefined;
  const kinfo = r.dict(`${path}.keypoint_info`);
  if (!kinfo) return undefined;
  const ids = [...kinfo.entries.keys()];
  const names: string[] = [];
  const swaps: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (!kinfo.has(i)) {
      r.notes.push(`${path}.keypoint_info: ids are not 0..${ids.length - 1} (missing ${i})`);
      return undefined;
    }
    const name = r.str(`${path}.keypoint_info.${i}.name`);
    if (name === undefined) return undefined;
    names.push(name);
    swaps.push(r.str(`${path}.keypoint_info.${i}.swap`) ?? '');
  }
  const index = new Map(names.map((n, i) => [n, i]));
  if (index.size !== names.length) {
    r.notes.push(`${path}.keypoint_info: keypoint names are not unique`);
    return undefined;
  }
  const flipPairs: [number, number][] = [];
  for (let i = 0; i < names.length; i++) {
    if (swaps[i] === '' || swaps[i] === names[i]) continue;
    const j = index.get(swaps[i]);
    if (j === undefined) {
      r.notes.push(`${path}.keypoint_info.${i}.swap: '${swaps[i]}' names no keypoint`);
      return undefined;
    }
    if (j > i) flipPairs.push([i, j]);
  }
  const skeleton: [number, number][] = [];
  const sk = r.dict(`${path}.skeleton_info`);
  for (const k of sk ? sk.entries.keys() : []) {
    const link = r.get(`${path}.skeleton_info.${k}.link`);
    const ends = Array.isArray(link) && link.length === 2 ? link.map((n) => (typeof n === 'string' ? index.get(n) : undefined)) : [];
    if (ends.length !== 2 || ends.some((e) => e === undefined)) {
      r.notes.push(`${path}.skeleton_info.${k}.link: not a pair of keypoint names (link dropped)`);
      continue;
    }
    skeleton.push([ends[0]!, ends[1]!]);
  }
  const sig = r.get(`${path}.sigmas`) === undefined ? undefined : r.numbers(`${path}.sigmas`);
  let sigmas: number[] | null = sig ?? null;
  if (sigmas && sigmas.length !== names.length) {
    r.notes.push(`${path}.sigmas: ${sigmas.length} values for ${names.length} keypoints (ignored)`);
    sigmas = null;
  }
  const datasetName = r.get(`${path}.dataset_name`) === undefined ? null : (r.str(`${path}.dataset_name`) ?? null);
  return { datasetName, names, flipPairs, skeleton, sigmas };
}

/** A plain value from the pickle (objects with a null prototype, Maps, arrays, numpy arrays). */
function field(v: unknown, key: string | number): unknown {
  if (v instanceof Map) return v.get(key) ?? v.get(String(key));
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.hasOwn(v, String(key)))
    return (v as Record<string, unknown>)[String(key)];
  return undefined;
}

/** numbers from a list, a tuple or a numpy array `{dtype, shape, data}` */
function numberList(v: unknown): number[] | undefined {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
  const data = field(v, 'data');
  if (ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array))
    return Array.from(data as unknown as ArrayLike<number>);
  return undefined;
}

function pairList(v: unknown, k: number): [number, number][] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: [number, number][] = [];
  for (const p of v) {
    const n = numberList(p);
    if (!n || n.length !== 2 || !n.every((x) => Number.isInteger(x) && x >= 0 && x < k) || n[0] === n[1]) return undefined;
    out.push([n[0], n[1]]);
  }
  return out;
}

/** From 1.x `meta['dataset_meta']`; undefined (with notes) when it names no usable keypoints. */
export function keypointsFromDatasetMeta(meta: unknown, notes: string[]): KeypointSet | undefined {
  if (meta === undefined || meta === null) return undefined;
  const id2name = field(meta, 'keypoint_id2name');
  const k = field(meta, 'num_keypoints');
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    notes.push(`meta.dataset_meta.num_keypoints: not a positive int`);
    return undefined;
  }
  const names: string[] = [];
  for (let i = 0; i < k; i++) {
    const n = field(id2name, i);
    if (typeof n !== 'string') {
      notes.push(`meta.dataset_meta.keypoint_id2name: no name for keypoint ${i}`);
      return undefined;
    }
    names.push(n);
  }
  const flipPairs = pairList(field(meta, 'flip_pairs') ?? [], k);
  if (!flipPairs) {
    notes.push(`meta.dataset_meta.flip_pairs: not a list of index pairs below ${k}`);
    return undefined;
  }
  const skeleton = pairList(field(meta, 'skeleton_links') ?? [], k) ?? [];
  const sig = numberList(field(meta, 'sigmas'));
  const sigmas = sig && sig.length === k ? sig : null;
  if (sig && sig.length !== k) notes.push(`meta.dataset_meta.sigmas: ${sig.length} values for ${k} keypoints (ignored)`);
  const dn = field(meta, 'dataset_name');
  // flip pairs once each, smaller index first (parse_pose_metainfo lists each pair once already)
  const seen = new Set<string>();
  const pairs = flipPairs
    .map(([a, b]) => (a < b ? [a, b] : [b, a]) as [number, number])
    .filter(([a, b]) => !seen.has(`${a},${b}`) && seen.add(`${a},${b}`));
  return { datasetName: typeof dn === 'string' ? dn : null, names, flipPairs: pairs, skeleton, sigmas };
}
