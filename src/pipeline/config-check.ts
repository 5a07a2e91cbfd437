/**
 * The backbone and head the checkpoint's config states, checked against what the tensor
 * keys show: a disagreement is a CONFIG_MISMATCH naming the config field, its value and
 * what the keys say. Only facts the config states and the keys determine are compared
 * (a field that is absent or unreadable is skipped).
 */
import type { Detection } from '../arch/family.js';
import type { ConfigSettings, PyValue } from '../config/index.js';
import { PyDict } from '../config/index.js';
import { PosePortError } from '../core/errors.js';

const TYPE_FAMILY: Record<string, string> = { ResNet: 'resnet', HRNet: 'hrnet', RSN: 'rsn', MSPN: 'mspn' };

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
  const c = det.config as Record<string, any>;
  const mismatch = (field: string, stated: unknown, keys: unknown): never => {
    throw new PosePortError(
      'CONFIG_MISMATCH',
      `the checkpoint's config says ${field} = ${JSON.stringify(stated)}, but its tensor keys show ${JSON.stringify(keys)}`,
      { file, key: field, details: { config: stated, keys } },
    );
  };
  const check = (field: string, stated: PyValue | undefined, keys: unknown) => {
    if (stated === undefined || (stated !== null && typeof stated === 'object' && !Array.isArray(stated))) return;
    if (Array.isArray(stated) && !stated.every((x) => typeof x === 'number')) return;
    if (!same(stated, keys)) mismatch(field, stated, keys);
  };
  if (s.numKeypoints && s.numKeypoints.value !== numKeypoints) mismatch(s.numKeypoints.field, s.numKeypoints.value, numKeypoints);
  if (s.keypoints && s.keypoints.value.names.length !== numKeypoints)
    mismatch(`${s.keypoints.field} (keypoint count)`, s.keypoints.value.names.length, numKeypoints);

  const b = s.backbone?.value;
  const bf = s.backbone?.field ?? 'model.backbone';
  const type = get(b, 'type');
  if (typeof type === 'string') {
    const fam = TYPE_FAMILY[type];
    if (fam !== det.family) mismatch(`${bf}.type`, type, `the ${det.family} family`);
  }
  switch (det.family) {
    case 'resnet':
      if (c.depth !== null) check(`${bf}.depth`, get(b, 'depth'), c.depth);
      break;
    case 'hrnet':
      c.stages.forEach((st: any, i: number) => {
        const p = `extra.stage${i + 1}`;
        check(`${bf}.${p}.num_channels`, get(b, `${p}.num_channels`), st.numChannels);
        check(`${bf}.${p}.num_blocks`, get(b, `${p}.num_blocks`), st.numBlocks);
        check(`${bf}.${p}.num_modules`, get(b, `${p}.num_modules`), st.numModules);
      });
      break;
    case 'rsn':
    case 'mspn':
      check(`${bf}.num_stages`, get(b, 'num_stages'), c.numStages);
      check(`${bf}.num_units`, get(b, 'num_units'), c.numUnits);
      check(`${bf}.num_blocks`, get(b, 'num_blocks'), c.numBlocks);
      check(`${bf}.unit_channels`, get(b, 'unit_channels'), c.unitChannels);
      if (det.family === 'rsn') check(`${bf}.num_steps`, get(b, 'num_steps'), c.numSteps);
      break;
  }
  const h = s.head?.value;
  const hf = s.head?.field ?? 'model.head';
  if (det.family === 'resnet' || det.family === 'hrnet') {
    check(`${hf}.in_channels`, get(h, 'in_channels'), c.head.inChannels);
    const n = get(h, 'num_deconv_layers');
    if (n !== undefined) check(`${hf}.num_deconv_layers`, n, c.head.deconvLayers);
    const dc = get(h, 'deconv_out_channels'); // 1.x HeatmapHead: None means no deconvolutions
    if (dc === null) check(`${hf}.deconv_out_channels`, 0, c.head.deconvLayers);
    else if (Array.isArray(dc)) check(`${hf}.deconv_out_channels`, dc, c.head.deconvChannels);
  } else {
    check(`${hf}.num_stages`, get(h, 'num_stages'), c.numStages);
    check(`${hf}.unit_channels`, get(h, 'unit_channels'), c.unitChannels);
  }
}
