/**
 * The backbone and head the checkpoint's config states, checked against what the tensor
 * keys show: a disagreement is a CONFIG_MISMATCH naming the config field, its value and
 * what the keys say. Only facts the config states and the keys determine are compared
 * (a field that is absent or unreadable is skipped).
 */
import type { ConfigField, Detection } from '../arch/family.js';
import { FAMILIES, familyByName } from '../arch/index.js';
import type { ConfigSettings, PyValue } from '../config/index.js';
import { PyDict } from '../config/index.js';
import { PosePortError } from '../core/errors.js';

function get(d: PyValue | undefined, path: string): PyValue | undefined {
  let v = d;
  for (const p of path.split('.')) {
    if (!(v instanceof PyDict)) return undefined;
    v = v.get(p);
  }
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Throws CONFIG_MISMATCH at the first fact the config states differently from the keys. */
export function checkConfigAgainstKeys(s: ConfigSettings, det: Detection, numKeypoints: number, file: string): void {
  const mismatch = (field: string, stated: unknown, keys: unknown): never => {
    throw new PosePortError(
      'CONFIG_MISMATCH',
      `the checkpoint's config says ${field} = ${JSON.stringify(stated)}, but its tensor keys show ${JSON.stringify(keys)}`,
      { file, key: field, details: { config: stated, keys } },
    );
  };
  const check = (field: string, stated: unknown, keys: unknown) => {
    if (stated === undefined || (stated !== null && typeof stated === 'object' && !Array.isArray(stated))) return;
    if (Array.isArray(stated) && !stated.every((x) => typeof x === 'number')) return;
    if (!same(stated, keys)) mismatch(field, stated, keys);
  };
  if (s.numKeypoints && s.numKeypoints.value !== numKeypoints) mismatch(s.numKeypoints.field, s.numKeypoints.value, numKeypoints);
  if (s.keypoints && s.keypoints.value.names.length !== numKeypoints)
    mismatch(`${s.keypoints.field} (keypoint count)`, s.keypoints.value.names.length, numKeypoints);

  const family = familyByName(det.family);
  const fields = family.configFields(det.config);
  const compare = (d: PyValue | undefined, prefix: string, f: ConfigField) => {
    const stated = get(d, f.field);
    if (stated === null && f.none) check(`${prefix}.${f.field}`, f.none.means, f.none.keys);
    else check(`${prefix}.${f.field}`, stated, f.keys);
  };
  const b = s.backbone?.value;
  const bf = s.backbone?.field ?? 'model.backbone';
  const type = get(b, 'type');
  if (typeof type === 'string' && FAMILIES.find((f) => f.backboneType === type) !== family) mismatch(`${bf}.type`, type, `the ${det.family} family`);
  for (const f of fields.backbone) compare(b, bf, f);
  const h = s.head?.value;
  const hf = s.head?.field ?? 'model.head';
  for (const f of fields.head) compare(h, hf, f);
}
